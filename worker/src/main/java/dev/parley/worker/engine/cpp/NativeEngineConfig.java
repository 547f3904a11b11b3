package dev.parley.worker.engine.cpp;

import dev.parley.worker.engine.EngineLimits;
import dev.parley.worker.engine.llama.KvCacheType;
import dev.parley.worker.engine.llama.LlamaEngineConfig;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Set;

/**
 * How to set up the native engine.
 *
 * @param model          the GGUF file
 * @param libraryDir     the directory holding libllama and libggml (see {@code LlamaLibraryStore})
 * @param slots          sequences decoded together ({@code n_seq_max}); each has {@code contextPerSlot} KV cells
 * @param contextPerSlot tokens of context per sequence (prompt + answer)
 * @param threads        CPU threads for decoding
 * @param cacheType      KV cache element type (quantized V switches flash attention on)
 * @param gpuLayers      layers offloaded to a GPU; {@link EngineLimits#ALL_GPU_LAYERS} for all (none without a GPU)
 * @param snapshotBytes  host RAM for snapshots of conversations that lost their sequence; 0 turns snapshots off
 * @param batchTokens    the most tokens one step decodes ({@code n_batch})
 * @param prefillChunk   the most prompt tokens one step computes, so decoding sequences keep moving
 * @param gpuDevice      the one GPU holding the whole model ({@code main_gpu}, no split); -1 splits layers over all
 * @param gpuRequired    fail at load unless llama.cpp registered a GPU ({@code --gpu cuda|vulkan})
 * @param microBatchTokens tokens computed per graph run ({@code n_ubatch}), at most {@code batchTokens}
 * @param ignoreEndOfGeneration generate max_tokens every turn, as benchmarks of random-weight models need
 * @param kvLayout       cells per sequence or one pool ({@link KvLayout})
 * @param threadPool     keep llama.cpp's CPU threads for the context's life ({@link CpuThreadPool}); off, ggml
 *                       starts and joins {@code threads - 1} threads for every graph run (the comparison)
 * @param deviceSized    the sizes the settings left open: {@link DeviceDefaults} sets them for a GPU at load; the
 *                       values above are what the CPU gets (empty: every size as given)
 * @param deviceSampling sample on the device where llama.cpp can ({@link DeviceSamplingMode})
 * @param gapPadding     fill the gaps between a step's sequences so it is one graph run ({@link GapPadding})
 */
public record NativeEngineConfig(Path model, Path libraryDir, int slots, int contextPerSlot, int threads,
                                 KvCacheType cacheType, int gpuLayers, long snapshotBytes, int batchTokens,
                                 int prefillChunk, int gpuDevice, boolean gpuRequired, int microBatchTokens,
                                 boolean ignoreEndOfGeneration, KvLayout kvLayout, boolean threadPool,
                                 Set<DeviceSized> deviceSized, DeviceSamplingMode deviceSampling,
                                 GapPadding gapPadding) {

    /** Split layers over every visible GPU (llama.cpp's default). */
    public static final int ALL_GPUS = -1;

    public static final long DEFAULT_SNAPSHOT_BYTES = 2L << 30;
    public static final int DEFAULT_BATCH_TOKENS = 512;
    public static final int DEFAULT_PREFILL_CHUNK = 256;

    public NativeEngineConfig {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(libraryDir, "libraryDir");
        Objects.requireNonNull(cacheType, "cacheType");
        Objects.requireNonNull(kvLayout, "kvLayout");
        Objects.requireNonNull(deviceSized, "deviceSized");
        deviceSized = Set.copyOf(deviceSized);
        Objects.requireNonNull(deviceSampling, "deviceSampling");
        Objects.requireNonNull(gapPadding, "gapPadding");
        EngineLimits.check(slots, contextPerSlot, threads, gpuLayers);
        if (snapshotBytes < 0) {
            throw new IllegalArgumentException("kv-snapshot-bytes must be >= 0, got " + snapshotBytes);
        }
        if (batchTokens < slots + 1) {
            throw new IllegalArgumentException("batch tokens must exceed slots (" + slots + "), got " + batchTokens);
        }
        if (prefillChunk < 1) {
            throw new IllegalArgumentException("prefill chunk must be >= 1, got " + prefillChunk);
        }
        if (gpuDevice < ALL_GPUS) {
            throw new IllegalArgumentException("gpu-device must be >= 0, got " + gpuDevice);
        }
        if (microBatchTokens < 1 || microBatchTokens > batchTokens) {
            throw new IllegalArgumentException("micro-batch-size must be in [1, batch-size = " + batchTokens
                    + "], got " + microBatchTokens);
        }
    }

    /** A configuration that stops at the model's end of generation. */
    public NativeEngineConfig(Path model, Path libraryDir, int slots, int contextPerSlot, int threads,
                              KvCacheType cacheType, int gpuLayers, long snapshotBytes, int batchTokens,
                              int prefillChunk, int gpuDevice, boolean gpuRequired, int microBatchTokens) {
        this(model, libraryDir, slots, contextPerSlot, threads, cacheType, gpuLayers, snapshotBytes, batchTokens,
                prefillChunk, gpuDevice, gpuRequired, microBatchTokens, false, KvLayout.PER_SEQUENCE, true, Set.of(),
                DeviceSamplingMode.AUTO, GapPadding.AUTO);
    }

    /** A CPU-style configuration: no device pinned, no GPU required, micro-batch as large as the batch. */
    public NativeEngineConfig(Path model, Path libraryDir, int slots, int contextPerSlot, int threads,
                              KvCacheType cacheType, int gpuLayers, long snapshotBytes, int batchTokens,
                              int prefillChunk) {
        this(model, libraryDir, slots, contextPerSlot, threads, cacheType, gpuLayers, snapshotBytes, batchTokens,
                prefillChunk, ALL_GPUS, false, batchTokens, false, KvLayout.PER_SEQUENCE, true, Set.of(),
                DeviceSamplingMode.AUTO, GapPadding.AUTO);
    }

    /** Defaults for a model: 4 slots of 2048 tokens, F16 cache, all cores, 2 GiB of snapshots. */
    public static NativeEngineConfig forModel(Path model, Path libraryDir) {
        return new NativeEngineConfig(model, libraryDir, LlamaEngineConfig.DEFAULT_SLOTS,
                LlamaEngineConfig.DEFAULT_CONTEXT_PER_SLOT, defaultThreads(), KvCacheType.F16, 0,
                DEFAULT_SNAPSHOT_BYTES, DEFAULT_BATCH_TOKENS, DEFAULT_PREFILL_CHUNK);
    }

    /**
     * All cores: this engine's one thread calls llama.cpp and waits, so nothing competes with its workers. On a
     * 2-core machine SmolLM2-135M decoded 48-57 tokens/s with 2 threads and 34 with 1 (llama.cpp's default of 4
     * threads collapsed to 4 tokens/s).
     */
    public static int defaultThreads() {
        return Math.max(1, Runtime.getRuntime().availableProcessors());
    }

    public NativeEngineConfig withSlots(int value) {
        return new NativeEngineConfig(model, libraryDir, value, contextPerSlot, threads, cacheType, gpuLayers,
                snapshotBytes, batchTokens, prefillChunk, gpuDevice, gpuRequired, microBatchTokens,
                ignoreEndOfGeneration, kvLayout, threadPool, deviceSized, deviceSampling, gapPadding);
    }

    public NativeEngineConfig withContextPerSlot(int value) {
        return new NativeEngineConfig(model, libraryDir, slots, value, threads, cacheType, gpuLayers, snapshotBytes,
                batchTokens, prefillChunk, gpuDevice, gpuRequired, microBatchTokens,
                ignoreEndOfGeneration, kvLayout, threadPool, deviceSized, deviceSampling, gapPadding);
    }

    public NativeEngineConfig withSnapshotBytes(long value) {
        return new NativeEngineConfig(model, libraryDir, slots, contextPerSlot, threads, cacheType, gpuLayers, value,
                batchTokens, prefillChunk, gpuDevice, gpuRequired, microBatchTokens,
                ignoreEndOfGeneration, kvLayout, threadPool, deviceSized, deviceSampling, gapPadding);
    }

    public NativeEngineConfig withCacheType(KvCacheType value) {
        return new NativeEngineConfig(model, libraryDir, slots, contextPerSlot, threads, value, gpuLayers,
                snapshotBytes, batchTokens, prefillChunk, gpuDevice, gpuRequired, microBatchTokens,
                ignoreEndOfGeneration, kvLayout, threadPool, deviceSized, deviceSampling, gapPadding);
    }

    /** Where the layers go: {@code layers} ({@link EngineLimits#ALL_GPU_LAYERS} for all) on {@code device}. */
    public NativeEngineConfig withGpu(int layers, int device, boolean required) {
        return new NativeEngineConfig(model, libraryDir, slots, contextPerSlot, threads, cacheType, layers,
                snapshotBytes, batchTokens, prefillChunk, device, required, microBatchTokens,
                ignoreEndOfGeneration, kvLayout, threadPool, deviceSized, deviceSampling, gapPadding);
    }

    /** {@code n_batch} and {@code n_ubatch}. */
    public NativeEngineConfig withBatch(int batch, int microBatch) {
        return new NativeEngineConfig(model, libraryDir, slots, contextPerSlot, threads, cacheType, gpuLayers,
                snapshotBytes, batch, prefillChunk, gpuDevice, gpuRequired, microBatch,
                ignoreEndOfGeneration, kvLayout, threadPool, deviceSized, deviceSampling, gapPadding);
    }

    /** The most prompt tokens one step computes; a GPU takes far more than the CPU default. */
    public NativeEngineConfig withPrefillChunk(int value) {
        return new NativeEngineConfig(model, libraryDir, slots, contextPerSlot, threads, cacheType, gpuLayers,
                snapshotBytes, batchTokens, value, gpuDevice, gpuRequired, microBatchTokens, ignoreEndOfGeneration,
                kvLayout, threadPool, deviceSized, deviceSampling, gapPadding);
    }

    /** Every turn generates its max_tokens, end of generation or not (benchmarks). */
    public NativeEngineConfig withIgnoreEndOfGeneration(boolean value) {
        return new NativeEngineConfig(model, libraryDir, slots, contextPerSlot, threads, cacheType, gpuLayers,
                snapshotBytes, batchTokens, prefillChunk, gpuDevice, gpuRequired, microBatchTokens, value, kvLayout,
                threadPool, deviceSized, deviceSampling, gapPadding);
    }

    public NativeEngineConfig withKvLayout(KvLayout value) {
        return new NativeEngineConfig(model, libraryDir, slots, contextPerSlot, threads, cacheType, gpuLayers,
                snapshotBytes, batchTokens, prefillChunk, gpuDevice, gpuRequired, microBatchTokens,
                ignoreEndOfGeneration, value, threadPool, deviceSized, deviceSampling, gapPadding);
    }

    public NativeEngineConfig withThreads(int value) {
        return new NativeEngineConfig(model, libraryDir, slots, contextPerSlot, value, cacheType, gpuLayers,
                snapshotBytes, batchTokens, prefillChunk, gpuDevice, gpuRequired, microBatchTokens,
                ignoreEndOfGeneration, kvLayout, threadPool, deviceSized, deviceSampling, gapPadding);
    }

    /** Where the jobs llama.cpp's backend samplers can sample are sampled ({@link DeviceSamplingMode}). */
    public NativeEngineConfig withDeviceSampling(DeviceSamplingMode value) {
        return new NativeEngineConfig(model, libraryDir, slots, contextPerSlot, threads, cacheType, gpuLayers,
                snapshotBytes, batchTokens, prefillChunk, gpuDevice, gpuRequired, microBatchTokens,
                ignoreEndOfGeneration, kvLayout, threadPool, deviceSized, value, gapPadding);
    }

    /** With or without a persistent CPU thread pool (on by default; off only to measure what it saves). */
    public NativeEngineConfig withThreadPool(boolean value) {
        return new NativeEngineConfig(model, libraryDir, slots, contextPerSlot, threads, cacheType, gpuLayers,
                snapshotBytes, batchTokens, prefillChunk, gpuDevice, gpuRequired, microBatchTokens,
                ignoreEndOfGeneration, kvLayout, value, deviceSized, deviceSampling, gapPadding);
    }

    /** The sizes left for the device to choose at load ({@link DeviceDefaults}); empty keeps every size as given. */
    public NativeEngineConfig withDeviceSized(Set<DeviceSized> value) {
        return new NativeEngineConfig(model, libraryDir, slots, contextPerSlot, threads, cacheType, gpuLayers,
                snapshotBytes, batchTokens, prefillChunk, gpuDevice, gpuRequired, microBatchTokens,
                ignoreEndOfGeneration, kvLayout, threadPool, value, deviceSampling, gapPadding);
    }

    /** Whether the gaps between a step's sequences are filled ({@link GapPadding}). */
    public NativeEngineConfig withGapPadding(GapPadding value) {
        return new NativeEngineConfig(model, libraryDir, slots, contextPerSlot, threads, cacheType, gpuLayers,
                snapshotBytes, batchTokens, prefillChunk, gpuDevice, gpuRequired, microBatchTokens,
                ignoreEndOfGeneration, kvLayout, threadPool, deviceSized, deviceSampling, value);
    }
}
