package dev.parley.bench;

import dev.parley.models.LlamaLibraryStore;
import dev.parley.worker.engine.gpu.GpuChoice;
import dev.parley.worker.engine.gpu.HostGpuRuntime;
import dev.parley.worker.engine.gpu.LibrarySelection;
import dev.parley.worker.engine.gpu.LibrarySelector;
import picocli.CommandLine.Option;

/**
 * Which llama.cpp libraries a benchmark of the native engine loads: {@code --llama-lib-dir} and {@code --gpu}, as a
 * picocli mixin, picked the way the worker picks them (a stock build, else npm's set for the GPU found, verified).
 */
public final class LlamaLibraryOptions {

    @Option(names = "--llama-lib-dir", description = "llama.cpp build folder (default: the --gpu set from npm)")
    String libraryDir;

    @Option(names = "--gpu", defaultValue = "auto", description = "auto, cuda, vulkan, none (default ${DEFAULT-VALUE})")
    String gpu = "auto";

    /** The libraries these options pick, fetched and verified where they come from npm. */
    public LibrarySelection select() {
        return select(gpu, libraryDir);
    }

    /** The CPU set (or a stock build): for benchmarks whose figures are about this machine's cores. */
    public static LibrarySelection cpu() {
        return select("none", null);
    }

    private static LibrarySelection select(String gpu, String libraryDir) {
        return new LibrarySelector(new HostGpuRuntime(), LlamaLibraryStore.standard(System.getenv())::fetch)
                .select(GpuChoice.parse(gpu), libraryDir);
    }
}
