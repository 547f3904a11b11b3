package dev.parley.worker.engine.cpp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The sizes a GPU chooses for what the settings left open, and the CPU's, which stay as they were. */
class DeviceDefaultsTest {

    private static final long GIB = 1L << 30;
    /** What the settings give when none of the sizes is set: the CPU defaults, every size open. */
    private static final NativeEngineConfig ALL_OPEN = NativeEngineConfig.forModel(Path.of("m.gguf"), Path.of("lib"))
            .withGpu(-1, -1, false).withDeviceSized(EnumSet.allOf(DeviceSized.class));
    /** An H100: 80 GiB, 79 free; a 128 GiB host; Llama-3.2-1B Q8_0 (1.3 GB, 32 KiB of F16 KV per token). */
    private static final DeviceDefaults.Device H100 = new DeviceDefaults.Device("NVIDIA H100", 79 * GIB, 80 * GIB,
            128 * GIB, 1_300_000_000L, 32 * 1024);

    @Test
    void onTheCpuEverySizeKeepsTodaysDefault() {
        DeviceDefaults.Choice choice = DeviceDefaults.choose(ALL_OPEN, DeviceDefaults.Device.cpu(128 * GIB));

        assertThat(choice.config()).isEqualTo(ALL_OPEN);
        assertThat(choice.config().slots()).isEqualTo(4);
        assertThat(choice.config().batchTokens()).isEqualTo(512);
        assertThat(choice.config().microBatchTokens()).isEqualTo(512);
        assertThat(choice.config().prefillChunk()).isEqualTo(256);
        assertThat(choice.config().snapshotBytes()).isEqualTo(2 * GIB);
        assertThat(choice.reason()).startsWith("CPU defaults (no layers on a GPU): 4 slots, batch 512/512, "
                + "prefill chunk 256, snapshots up to 2048 MiB");
    }

    @Test
    void aGpuGetsGpuSizesAndSnapshotsFromAQuarterOfHostRam() {
        DeviceDefaults.Choice choice = DeviceDefaults.choose(ALL_OPEN, H100);

        NativeEngineConfig gpu = choice.config();
        assertThat(gpu.slots()).isEqualTo(64);
        assertThat(gpu.batchTokens()).isEqualTo(2048);
        assertThat(gpu.microBatchTokens()).isEqualTo(512);
        assertThat(gpu.prefillChunk()).isEqualTo(2048);
        assertThat(gpu.snapshotBytes()).isEqualTo(32 * GIB);
        assertThat(gpu.contextPerSlot()).isEqualTo(ALL_OPEN.contextPerSlot());
        assertThat(choice.reason()).startsWith("GPU sizes for NVIDIA H100 (79.0 GiB of 80.0 GiB free): 64 slots, "
                        + "batch 2048/512, prefill chunk 2048, snapshots up to 32768 MiB;")
                .contains("slots: 1116 of 64 MiB KV each fit")
                .contains("snapshots: a quarter of 128.0 GiB host RAM");
    }

    @Test
    void slotsAreWhatTheFreeGpuMemoryHolds() {
        // 8 GiB card, 4.5 GB of 8B Q4_0 weights, 128 KiB of F16 KV per token: 2048 tokens take 256 MiB a slot;
        // 8 GiB - 4.5 GB - 1 GiB of reserve leaves 2.8 GiB, 11 slots
        DeviceDefaults.Device small = new DeviceDefaults.Device("RTX 4060", 8 * GIB, 8 * GIB, 32 * GIB,
                4_500_000_000L, 128 * 1024);
        assertThat(DeviceDefaults.choose(ALL_OPEN, small).config().slots()).isEqualTo(11);

        DeviceDefaults.Device full = new DeviceDefaults.Device("RTX 4060", 5 * GIB, 8 * GIB, 32 * GIB,
                4_500_000_000L, 128 * 1024);
        assertThat(DeviceDefaults.choose(ALL_OPEN, full).config().slots()).as("at least one").isEqualTo(1);

        DeviceDefaults.Device unknownKv = new DeviceDefaults.Device("RTX 4060", 8 * GIB, 8 * GIB, 32 * GIB,
                4_500_000_000L, 0);
        DeviceDefaults.Choice kept = DeviceDefaults.choose(ALL_OPEN, unknownKv);
        assertThat(kept.config().slots()).isEqualTo(4);
        assertThat(kept.reason()).contains("slots kept at 4: the model's KV size per token could not be read");
    }

    @Test
    void aSizeThatWasSetWinsOnTheGpu() {
        NativeEngineConfig set = ALL_OPEN.withSlots(16).withBatch(1024, 1024).withSnapshotBytes(GIB)
                .withDeviceSized(EnumSet.of(DeviceSized.PREFILL_CHUNK));

        DeviceDefaults.Choice choice = DeviceDefaults.choose(set, H100);

        assertThat(choice.config().slots()).isEqualTo(16);
        assertThat(choice.config().batchTokens()).isEqualTo(1024);
        assertThat(choice.config().microBatchTokens()).isEqualTo(1024);
        assertThat(choice.config().snapshotBytes()).isEqualTo(GIB);
        assertThat(choice.config().prefillChunk()).isEqualTo(2048);
        assertThat(choice.reason()).contains("(as set: slots, batch-size, micro-batch-size, kv-snapshot-bytes)");
    }

    @Test
    void openSizesFitAroundTheOnesThatWereSet() {
        // a small batch set: the micro-batch follows it down, the slots stay below it
        NativeEngineConfig smallBatch = ALL_OPEN.withBatch(32, 32).withDeviceSized(
                EnumSet.of(DeviceSized.SLOTS, DeviceSized.MICRO_BATCH));
        NativeEngineConfig chosen = DeviceDefaults.choose(smallBatch, H100).config();
        assertThat(chosen.batchTokens()).isEqualTo(32);
        assertThat(chosen.microBatchTokens()).isEqualTo(32);
        assertThat(chosen.slots()).isEqualTo(31);

        // a micro-batch set above 2048: the batch grows to it; 250 slots set stay below 2048
        NativeEngineConfig bigMicro = ALL_OPEN.withSlots(8).withBatch(4096, 4096).withDeviceSized(
                EnumSet.of(DeviceSized.BATCH));
        assertThat(DeviceDefaults.choose(bigMicro, H100).config().batchTokens()).isEqualTo(4096);
        NativeEngineConfig manySlots = ALL_OPEN.withSlots(250).withBatch(4096, 512).withDeviceSized(
                EnumSet.of(DeviceSized.BATCH));
        assertThat(DeviceDefaults.choose(manySlots, H100).config().batchTokens()).isEqualTo(2048);
    }

    @Test
    void nothingOpenIsLoadedAsConfigured() {
        NativeEngineConfig fixed = ALL_OPEN.withDeviceSized(Set.of());

        DeviceDefaults.Choice choice = DeviceDefaults.choose(fixed, H100);

        assertThat(choice.config()).isEqualTo(fixed);
        assertThat(choice.reason()).isEqualTo("sizes as configured: 4 slots, batch 512/512, prefill chunk 256, "
                + "snapshots up to 2048 MiB");
    }

    @Test
    void layersKeptOffTheGpuAreTheCpusCase() {
        LoadedLlama oneGpu = new LoadedLlama(null, null, Path.of("lib"), "0.5.0", java.util.List.of("CUDA", "CPU"),
                java.util.List.of(new GpuDevice(0, "CUDA0", "NVIDIA H100", 80 * GIB, 79 * GIB)));
        GpuPlacement none = GpuPlacement.of(ALL_OPEN.withGpu(0, -1, false), oneGpu);
        assertThat(DeviceDefaults.Device.of(ALL_OPEN, oneGpu.gpus(), none).gpu()).isFalse();

        GpuPlacement all = GpuPlacement.of(ALL_OPEN, oneGpu);
        DeviceDefaults.Device device = DeviceDefaults.Device.of(ALL_OPEN, oneGpu.gpus(), all);
        assertThat(device.gpu()).isTrue();
        assertThat(device.gpuName()).isEqualTo("CUDA0 NVIDIA H100");
        assertThat(device.gpuFreeBytes()).isEqualTo(79 * GIB);
        assertThat(device.kvBytesPerToken()).as("m.gguf does not exist").isZero();
    }
}
