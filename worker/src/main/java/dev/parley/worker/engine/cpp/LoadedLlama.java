package dev.parley.worker.engine.cpp;

import java.nio.file.Path;
import java.util.List;

/**
 * llama.cpp once loaded, with what it says about itself.
 *
 * @param llama   the bound API
 * @param ggml    ggml's backend registry and thread pools
 * @param dir     where it was loaded from
 * @param version {@code llama_version()}, e.g. {@code 0.5.0-dev}
 * @param backends the backends registered, e.g. {@code [CPU, CUDA]}
 * @param gpus    the GPU devices its backends registered (none on a CPU build or where the GPU runtime is missing)
 */
record LoadedLlama(LlamaLib llama, GgmlLib ggml, Path dir, String version, List<String> backends,
                   List<GpuDevice> gpus) {
}
