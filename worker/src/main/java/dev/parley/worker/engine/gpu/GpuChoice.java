package dev.parley.worker.engine.gpu;

import java.util.Locale;

/** Which llama.cpp library set the native engine runs on ({@code --gpu}). */
public enum GpuChoice {
    /** CUDA where the host can run the CUDA set, else the CPU set. */
    AUTO,
    /** The CUDA set (or a configured build), failing at start if the host cannot run it. */
    CUDA,
    /** The Vulkan set (or a configured build), failing at start if the host cannot run it. */
    VULKAN,
    /** The CPU set; nothing is offloaded even where a configured build has a GPU backend. */
    NONE;

    public static GpuChoice parse(String text) {
        return valueOf(text.strip().toUpperCase(Locale.ROOT));
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
