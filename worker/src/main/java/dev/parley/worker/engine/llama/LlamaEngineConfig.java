package dev.parley.worker.engine.llama;

import dev.parley.worker.engine.EngineLimits;
import java.nio.file.Path;
import java.util.Objects;

/**
 * How to load the model.
 *
 * @param model          the GGUF file
 * @param slots          conversations decoded in parallel (continuous batching)
 * @param contextPerSlot tokens of context per slot; the context allocated is {@code slots * contextPerSlot}
 * @param threads        CPU threads for decoding
 * @param cacheType      KV cache element type for K and V (quantized V switches flash attention on)
 * @param gpuLayers      layers offloaded to a GPU (0 on a CPU-only build)
 */
public record LlamaEngineConfig(Path model, int slots, int contextPerSlot, int threads, KvCacheType cacheType,
                                int gpuLayers) {

    public static final int DEFAULT_SLOTS = 4;
    public static final int DEFAULT_CONTEXT_PER_SLOT = 2048;

    public LlamaEngineConfig {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(cacheType, "cacheType");
        EngineLimits.check(slots, contextPerSlot, threads, gpuLayers);
    }

    /** Defaults for a model file: 4 slots of 2048 tokens, F16 cache, {@link #defaultThreads()}. */
    public static LlamaEngineConfig forModel(Path model) {
        return new LlamaEngineConfig(model, DEFAULT_SLOTS, DEFAULT_CONTEXT_PER_SLOT, defaultThreads(), KvCacheType.F16, 0);
    }

    /**
     * One core less than the machine has (at least one). On a 2-core machine 2 decode threads ran SmolLM2-135M at
     * 22 tokens/s and 1 thread at 41-49: llama.cpp's threads spin while waiting, and the JVM needs a core too.
     */
    public static int defaultThreads() {
        return Math.max(1, Runtime.getRuntime().availableProcessors() - 1);
    }

    public LlamaEngineConfig withSlots(int value) {
        return new LlamaEngineConfig(model, value, contextPerSlot, threads, cacheType, gpuLayers);
    }

    public LlamaEngineConfig withContextPerSlot(int value) {
        return new LlamaEngineConfig(model, slots, value, threads, cacheType, gpuLayers);
    }

    public LlamaEngineConfig withThreads(int value) {
        return new LlamaEngineConfig(model, slots, contextPerSlot, value, cacheType, gpuLayers);
    }

    public LlamaEngineConfig withCacheType(KvCacheType value) {
        return new LlamaEngineConfig(model, slots, contextPerSlot, threads, value, gpuLayers);
    }
}
