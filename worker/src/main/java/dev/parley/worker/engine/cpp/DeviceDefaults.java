package dev.parley.worker.engine.cpp;

import dev.parley.models.GgufMetadata;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Chooses the engine sizes a configuration left open ({@link NativeEngineConfig#deviceSized()}) once llama.cpp has
 * said which devices it registered, and says why in one line for the start-up log. An explicit setting always wins.
 *
 * <p>On the CPU (no GPU registered, or no layers offloaded) the configuration keeps the CPU defaults it was built
 * with. On a GPU, from the H100 and H200 runs of {@code docs/benchmarks-gpu.md} and issue 21:
 * <ul>
 * <li>batch 2048 tokens per step in micro-batches of 512 ({@code n_batch}/{@code n_ubatch}), what
 * {@code llama-batched-bench} and every GPU run used;</li>
 * <li>a prefill chunk of 2048 prompt tokens per step: the 1B shape at 64 sequences made 5 228 tokens/s with 2048
 * against 4 181 with the CPU's 256, at 128 sequences 5 830 against 3 497;</li>
 * <li>as many slots as the GPU's free memory holds KV cells for ({@code context-per-slot} each), after the weights
 * and a reserve for llama.cpp's compute buffers, at most 64: past 64 sequences the engine's throughput fell on
 * the H100 (1B shape: 5 228 tokens/s at 64, 3 497 at 128 with the CPU's chunk);</li>
 * <li>KV snapshots up to a quarter of host RAM, at least the CPU's 2 GiB: the warm workload's 128 conversations
 * on a 128 GiB host had 612 of 625 snapshots dropped at 2 GiB, where the weights live in GPU memory and host RAM
 * is mostly free.</li>
 * </ul>
 */
final class DeviceDefaults {

    static final int GPU_MAX_SLOTS = 64;
    static final int GPU_BATCH_TOKENS = 2048;
    static final int GPU_MICRO_BATCH_TOKENS = 512;
    static final int GPU_PREFILL_CHUNK = 2048;
    /** Snapshots may take host RAM / this on a GPU. */
    static final int GPU_SNAPSHOT_RAM_DIVISOR = 4;
    /** GPU memory kept free of KV for compute buffers and the CUDA context: a tenth of it, at least 1 GiB. */
    static final int GPU_RESERVE_DIVISOR = 10;
    static final long GPU_RESERVE_MIN_BYTES = 1L << 30;

    private DeviceDefaults() {
    }

    /**
     * What the choice depends on.
     *
     * @param gpuName         the GPU(s) holding the layers, or {@code null} when none does
     * @param gpuFreeBytes    their free memory when llama.cpp was loaded
     * @param gpuTotalBytes   their memory
     * @param hostRamBytes    the host's RAM (the container's limit where there is one)
     * @param modelBytes      the GGUF file's size, about what its weights take on the GPU
     * @param kvBytesPerToken KV bytes per token of context at the configured cache type; 0 when unknown
     */
    record Device(String gpuName, long gpuFreeBytes, long gpuTotalBytes, long hostRamBytes, long modelBytes,
                  double kvBytesPerToken) {

        static Device cpu(long hostRamBytes) {
            return new Device(null, 0, 0, hostRamBytes, 0, 0);
        }

        boolean gpu() {
            return gpuName != null;
        }

        /** This process's device: the GPU(s) the placement puts layers on, this host's RAM, the model's KV size. */
        static Device of(NativeEngineConfig config, List<GpuDevice> gpus, GpuPlacement placement) {
            long ram = physicalRam();
            if (placement.layers() == 0 || gpus.isEmpty() || config.deviceSized().isEmpty()) {
                return cpu(ram);
            }
            List<GpuDevice> used = placement.device() >= 0 ? List.of(gpus.get(placement.device())) : gpus;
            long free = used.stream().mapToLong(GpuDevice::freeBytes).sum();
            long total = used.stream().mapToLong(GpuDevice::totalBytes).sum();
            String names = String.join(" + ", used.stream().map(g -> g.name() + " " + g.description()).toList());
            return new Device(names, free, total, ram, config.model().toFile().length(),
                    config.deviceSized().contains(DeviceSized.SLOTS) ? kvBytesPerToken(config) : 0);
        }

        private static double kvBytesPerToken(NativeEngineConfig config) {
            try {
                return GgufMetadata.read(config.model()).kvBytesPerToken(config.cacheType().bytesPerElement());
            } catch (IOException | RuntimeException e) {
                return 0; // the slots then stay as configured, and the log says why
            }
        }

        private static long physicalRam() {
            if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
                return os.getTotalMemorySize();
            }
            return 0;
        }
    }

    /** The configuration to load, and the sentence the log gives for it. */
    record Choice(NativeEngineConfig config, String reason) {
    }

    static Choice choose(NativeEngineConfig config, Device device) {
        Set<DeviceSized> open = config.deviceSized();
        if (open.isEmpty()) {
            return new Choice(config, "sizes as configured: " + sizes(config));
        }
        if (!device.gpu()) {
            return new Choice(config, "CPU defaults (no layers on a GPU): " + sizes(config) + given(open));
        }
        List<String> why = new ArrayList<>();
        int batch = config.batchTokens();
        int micro = config.microBatchTokens();
        if (open.contains(DeviceSized.BATCH)) { // above a micro-batch or slots that were set
            batch = Math.max(GPU_BATCH_TOKENS, Math.max(open.contains(DeviceSized.MICRO_BATCH) ? 0 : micro,
                    open.contains(DeviceSized.SLOTS) ? 0 : config.slots() + 1));
        }
        if (open.contains(DeviceSized.MICRO_BATCH)) {
            micro = Math.min(GPU_MICRO_BATCH_TOKENS, batch);
        }
        int slots = open.contains(DeviceSized.SLOTS) ? slots(config, device, batch, why) : config.slots();
        int prefill = open.contains(DeviceSized.PREFILL_CHUNK) ? GPU_PREFILL_CHUNK : config.prefillChunk();
        long snapshots = config.snapshotBytes();
        if (open.contains(DeviceSized.SNAPSHOT_BYTES)) {
            snapshots = Math.max(NativeEngineConfig.DEFAULT_SNAPSHOT_BYTES,
                    device.hostRamBytes() / GPU_SNAPSHOT_RAM_DIVISOR);
            why.add("snapshots: a quarter of " + gib(device.hostRamBytes()) + " host RAM, at least 2 GiB");
        }
        NativeEngineConfig chosen = config.withSlots(slots).withBatch(batch, micro).withPrefillChunk(prefill)
                .withSnapshotBytes(snapshots);
        return new Choice(chosen, String.format(Locale.ROOT, "GPU sizes for %s (%s of %s free): %s%s; %s",
                device.gpuName(), gib(device.gpuFreeBytes()), gib(device.gpuTotalBytes()), sizes(chosen),
                given(open), String.join("; ", why)));
    }

    /** As many slots as fit the GPU's free memory after the weights and the reserve, at most 64 and below batch. */
    private static int slots(NativeEngineConfig config, Device device, int batch, List<String> why) {
        if (device.kvBytesPerToken() <= 0) {
            why.add("slots kept at " + config.slots() + ": the model's KV size per token could not be read");
            return config.slots();
        }
        long reserve = Math.max(GPU_RESERVE_MIN_BYTES, device.gpuTotalBytes() / GPU_RESERVE_DIVISOR);
        long forKv = device.gpuFreeBytes() - device.modelBytes() - reserve;
        double perSlot = device.kvBytesPerToken() * config.contextPerSlot();
        long fit = (long) Math.floor(Math.max(0, forKv) / perSlot);
        int slots = (int) Math.max(1, Math.min(Math.min(fit, GPU_MAX_SLOTS), batch - 1L));
        why.add(String.format(Locale.ROOT, "slots: %d of %.0f MiB KV each fit in %s after the weights (%s) and a "
                        + "reserve of %s, at most %d", fit, perSlot / (1 << 20), gib(Math.max(0, forKv)),
                gib(device.modelBytes()), gib(reserve), GPU_MAX_SLOTS));
        return slots;
    }

    private static String sizes(NativeEngineConfig config) {
        return String.format(Locale.ROOT, "%d slots, batch %d/%d, prefill chunk %d, snapshots up to %d MiB",
                config.slots(), config.batchTokens(), config.microBatchTokens(), config.prefillChunk(),
                config.snapshotBytes() >> 20);
    }

    /** The sizes the settings gave, which no device changes. */
    private static String given(Set<DeviceSized> open) {
        EnumSet<DeviceSized> set = EnumSet.complementOf(EnumSet.copyOf(open)); // open is never empty here
        if (set.isEmpty()) {
            return "";
        }
        return " (as set: " + String.join(", ", set.stream().map(DeviceSized::setting).toList()) + ")";
    }

    private static String gib(long bytes) {
        return String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
    }
}
