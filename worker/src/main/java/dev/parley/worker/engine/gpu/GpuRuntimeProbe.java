package dev.parley.worker.engine.gpu;

import java.util.Optional;

/**
 * Whether this host has what a GPU library set needs, asked before anything is downloaded. Each answer is empty
 * when the set can run, else one line saying what is missing.
 */
public interface GpuRuntimeProbe {

    /** What the CUDA set lacks here (driver, its CUDA version, runtime, cuBLAS), or empty. */
    Optional<String> cudaMissing();

    /** What the Vulkan set lacks here (the loader), or empty. */
    Optional<String> vulkanMissing();
}
