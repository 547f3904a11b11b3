package dev.parley.worker.engine;

/** The bounds every engine's configuration shares, checked with messages that name the setting and the value. */
public final class EngineLimits {

    public static final int MAX_SLOTS = 256;
    public static final int MIN_CONTEXT_PER_SLOT = 64;
    /** gpu-layers "all": every layer goes to the GPU where llama.cpp has one (its own encoding, any negative). */
    public static final int ALL_GPU_LAYERS = -1;

    private EngineLimits() {
    }

    /** Throws {@link IllegalArgumentException} naming the first value out of bounds. */
    public static void check(int slots, int contextPerSlot, int threads, int gpuLayers) {
        if (slots < 1 || slots > MAX_SLOTS) {
            throw new IllegalArgumentException("slots must be in [1, " + MAX_SLOTS + "], got " + slots);
        }
        if (contextPerSlot < MIN_CONTEXT_PER_SLOT) {
            throw new IllegalArgumentException("context-per-slot must be >= " + MIN_CONTEXT_PER_SLOT + ", got "
                    + contextPerSlot);
        }
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        if (gpuLayers < ALL_GPU_LAYERS) {
            throw new IllegalArgumentException("gpu-layers must be all (" + ALL_GPU_LAYERS + ") or >= 0, got "
                    + gpuLayers);
        }
    }
}
