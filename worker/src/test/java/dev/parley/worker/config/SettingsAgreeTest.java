package dev.parley.worker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.testkit.ProjectFiles;
import dev.parley.worker.cli.WorkerRuntime;
import dev.parley.worker.dispatch.LanePolicy;
import dev.parley.worker.engine.cpp.NativeLanes;
import dev.parley.worker.engine.disk.DiskTierConfig;
import dev.parley.worker.engine.llama.LlamaEngineConfig;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * One source for settings: the configuration reference, the defaults and the rules of {@link Setting} agree, and a
 * {@link WorkerConfig} built in code means what the same settings given as flags, environment or a file mean.
 */
class SettingsAgreeTest {

    private static final Map<String, String> REQUIRED = Map.of("bootstrap", "localhost:9092", "redis", "redis://localhost:6379");
    private static final Pattern ROW = Pattern.compile("^\\| `([a-z0-9-]+)` \\| `--[a-z0-9-]+` \\| `PARLEY_[A-Z0-9_]+` \\| ([^|]*) \\|",
            Pattern.MULTILINE);

    /** Key to the default column of the settings table in docs/configuration.md. */
    private static Map<String, String> documentedDefaults() throws Exception {
        String doc = Files.readString(ProjectFiles.resolve("docs/configuration.md"));
        Map<String, String> defaults = new LinkedHashMap<>();
        Matcher row = ROW.matcher(doc);
        while (row.find()) {
            defaults.put(row.group(1), row.group(2).strip().replace("`", ""));
        }
        return defaults;
    }

    @Test
    void everySettingIsDocumentedWithItsDefaultAndEveryDocumentedSettingExists() throws Exception {
        Map<String, String> documented = documentedDefaults();
        Map<String, String> inCode = Arrays.stream(Setting.values()).collect(Collectors.toMap(Setting::key,
                s -> s.defaultValue() == null ? "" : s.defaultValue(), (a, b) -> a, LinkedHashMap::new));

        assertThat(documented.keySet()).as("documented settings that do not exist")
                .isSubsetOf(inCode.keySet());
        assertThat(inCode.keySet()).as("settings missing from docs/configuration.md")
                .isSubsetOf(documented.keySet());
        assertThat(documented).as("defaults in docs/configuration.md").isEqualTo(inCode);
    }

    @Test
    void everyDefaultKeepsItsOwnRule() {
        for (Setting setting : Setting.values()) {
            if (setting.defaultValue() != null) {
                assertThat(setting.check(setting.typedDefault())).as(setting.key()).isEqualTo(setting.typedDefault());
                assertThat(setting.parse(setting.defaultValue())).as(setting.key()).isEqualTo(setting.typedDefault());
            }
        }
    }

    /** Every typed accessor of WorkerConfig, on a config from the builder and one from the settings loader. */
    @Test
    void theBuilderStartsFromTheSameDefaultsAsFlagsAndFiles() throws Exception {
        WorkerConfig built = WorkerConfig.builder().bootstrapServers("localhost:9092").redisUri("redis://localhost:6379")
                .workerId("w").build();
        WorkerConfig loaded = new SettingsLoader().flags(REQUIRED).flags(Map.of("worker-id", "w")).load().workerConfig();

        int compared = 0;
        for (Method accessor : WorkerConfig.class.getDeclaredMethods()) {
            if (Modifier.isPublic(accessor.getModifiers()) && !Modifier.isStatic(accessor.getModifiers())
                    && accessor.getParameterCount() == 0 && accessor.getReturnType() != WorkerConfig.Builder.class
                    && accessor.getReturnType() != Settings.class) {
                assertThat(accessor.invoke(built)).as(accessor.getName()).isEqualTo(accessor.invoke(loaded));
                compared++;
            }
        }
        assertThat(compared).isGreaterThan(30);
        for (Setting setting : Setting.values()) {
            assertThat(built.settings().get(setting)).as(setting.key()).isEqualTo(loaded.settings().get(setting));
        }
    }

    @Test
    void codeAndFlagsAreHeldToTheSameRule() {
        assertThatThrownBy(() -> new SettingsLoader().flags(REQUIRED).flags(Map.of("stall-timeout", "0s")).load())
                .isInstanceOf(SettingsException.class)
                .hasMessageContaining("--stall-timeout: stall-timeout='0s' must be positive");
        assertThatThrownBy(() -> WorkerConfig.builder().stallTimeout(Duration.ZERO))
                .hasMessage("stall-timeout must be positive, got PT0S");
        assertThatThrownBy(() -> new SettingsLoader().flags(REQUIRED).flags(Map.of("revoke-grace", "PT-1S")).load())
                .hasMessageContaining("--revoke-grace: revoke-grace='PT-1S' must not be negative");
        assertThatThrownBy(() -> WorkerConfig.builder().revokeGrace(Duration.ofSeconds(-1)))
                .hasMessage("revoke-grace must not be negative, got PT-1S");
        assertThatThrownBy(() -> WorkerConfig.builder().set(Setting.SLOTS, 0)).hasMessage("slots must be in 1..256, got 0");
        assertThatThrownBy(() -> WorkerConfig.builder().set(Setting.SLOTS, "4"))
                .hasMessage("slots must be of type Integer (integer 1..256), got '4'");
    }

    @Test
    void aSettingWithoutANamedAccessorIsSetAndReadByItself() {
        WorkerConfig config = WorkerConfig.builder().bootstrapServers("b:9092").redisUri("redis://r")
                .set(Setting.PREEMPT_MAX, 5).build();

        assertThat(config.settings().integer(Setting.PREEMPT_MAX)).isEqualTo(5);
        assertThat(config.newBuilder().build().settings().integer(Setting.PREEMPT_MAX)).isEqualTo(5);
    }

    /**
     * The engines keep defaults of their own for code that builds them without settings (tests, benchmarks); those
     * are the settings' defaults, so an engine built either way behaves the same (prefix sharing: WorkerCommandTest).
     */
    @Test
    void theEnginesOwnDefaultsAreTheSettingsDefaults() {
        Settings defaults = new SettingsLoader().flags(REQUIRED).load();

        assertThat(WorkerRuntime.nativeLanes(defaults)).isEqualTo(NativeLanes.DEFAULT);
        assertThat(LanePolicy.DEFAULT.batchAging()).isEqualTo(defaults.duration(Setting.BATCH_AGING));
        assertThat(defaults.bytes(Setting.KV_DISK_BYTES)).isEqualTo(DiskTierConfig.DEFAULT_BUDGET_BYTES);
        // slots, batch sizes, prefill chunk and snapshot budget have no fixed default: the device chooses them at
        // load, the CPU keeping the engine's own defaults (EngineSizeSettingsTest, DeviceDefaultsTest)
        assertThat(defaults.integer(Setting.CONTEXT_PER_SLOT)).isEqualTo(LlamaEngineConfig.DEFAULT_CONTEXT_PER_SLOT);
    }
}
