package dev.parley.worker.engine.gpu;

import java.nio.file.Path;

/**
 * The llama.cpp libraries chosen for the native engine.
 *
 * @param dir         the folder holding libllama and libggml
 * @param source      where they came from, for the log: an npm set's package or "configured"
 * @param gpuRequired the engine must fail at start unless llama.cpp registers a GPU device
 * @param gpuAllowed  layers may be offloaded (false for {@code --gpu none})
 */
public record LibrarySelection(Path dir, String source, boolean gpuRequired, boolean gpuAllowed) {
}
