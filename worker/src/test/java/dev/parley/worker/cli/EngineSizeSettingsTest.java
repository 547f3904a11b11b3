package dev.parley.worker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.worker.config.Setting;
import dev.parley.worker.config.Settings;
import dev.parley.worker.config.SettingsLoader;
import dev.parley.worker.engine.cpp.DeviceSized;
import dev.parley.worker.engine.cpp.NativeEngineConfig;
import dev.parley.worker.engine.gpu.LibrarySelection;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The native engine's sizes from the settings: the CPU defaults where nothing is set, open for the device. */
class EngineSizeSettingsTest {

    private static final Map<String, String> REQUIRED = Map.of("bootstrap", "b:9092", "redis", "redis://r:6379");
    private static final Path MODEL = Path.of("m.gguf");
    private static final LibrarySelection CPU = new LibrarySelection(Path.of("lib"), "test", false, false);

    @Test
    void withNothingSetTheConfigurationIsTodaysCpuDefaultWithEverySizeOpen() {
        Settings defaults = new SettingsLoader().flags(REQUIRED).load();

        NativeEngineConfig config = WorkerRuntime.nativeEngineConfig(defaults, MODEL, CPU);

        assertThat(config).isEqualTo(NativeEngineConfig.forModel(MODEL, Path.of("lib"))
                .withDeviceSized(EnumSet.allOf(DeviceSized.class)));
        assertThat(config.slots()).isEqualTo(4);
        assertThat(config.batchTokens()).isEqualTo(512);
        assertThat(config.microBatchTokens()).isEqualTo(512);
        assertThat(config.prefillChunk()).isEqualTo(256);
        assertThat(config.snapshotBytes()).isEqualTo(2L << 30);
    }

    @Test
    void aSizeSetByAnySourceIsNotLeftToTheDevice() {
        Settings settings = new SettingsLoader().flags(REQUIRED).flags(Map.of("slots", "4", "prefill-chunk", "1024"))
                .environment(Map.of("PARLEY_KV_SNAPSHOT_BYTES", "2GiB")).load();

        NativeEngineConfig config = WorkerRuntime.nativeEngineConfig(settings, MODEL, CPU);

        assertThat(config.deviceSized()).containsExactlyInAnyOrder(DeviceSized.BATCH, DeviceSized.MICRO_BATCH);
        assertThat(config.slots()).as("set to the CPU default, still set").isEqualTo(4);
        assertThat(config.prefillChunk()).isEqualTo(1024);
    }

    @Test
    void everyDeviceSizeIsASetting() {
        for (DeviceSized size : DeviceSized.values()) {
            Setting setting = Setting.byKey(size.setting());
            assertThat(setting).as(size.setting()).isNotNull();
            assertThat(setting.defaultValue()).as("unset must be told from set: " + size.setting()).isNull();
        }
    }
}
