package dev.parley.worker.engine.gpu;

import dev.parley.models.LlamaLibrarySet;
import dev.parley.models.ModelUnavailableException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Picks the llama.cpp library set for {@code --gpu} and {@code --llama-lib-dir}. A configured folder is used as it
 * is (the engine asks the loaded library whether it has a GPU device); otherwise the host is probed before anything
 * is downloaded, so {@code auto} never fetches a GPU set the host cannot run, and an explicit {@code cuda} or
 * {@code vulkan} fails at once with one line naming what is missing.
 */
public final class LibrarySelector {

    private static final Logger log = LoggerFactory.getLogger(LibrarySelector.class);

    private final GpuRuntimeProbe probe;
    private final Function<LlamaLibrarySet, Path> fetch;

    /**
     * @param fetch downloads and verifies a set, returning its folder ({@code LlamaLibraryStore::fetch})
     */
    public LibrarySelector(GpuRuntimeProbe probe, Function<LlamaLibrarySet, Path> fetch) {
        this.probe = probe;
        this.fetch = fetch;
    }

    /** The libraries to load; {@code configuredDir} may be null or blank. */
    public LibrarySelection select(GpuChoice choice, String configuredDir) {
        if (configuredDir != null && !configuredDir.isBlank()) {
            return new LibrarySelection(Path.of(configuredDir), "configured",
                    choice == GpuChoice.CUDA || choice == GpuChoice.VULKAN, choice != GpuChoice.NONE);
        }
        return switch (choice) {
            case NONE -> cpu();
            case CUDA -> required(LlamaLibrarySet.CUDA, probe.cudaMissing());
            case VULKAN -> required(LlamaLibrarySet.VULKAN, probe.vulkanMissing());
            case AUTO -> auto();
        };
    }

    private LibrarySelection auto() {
        Optional<String> missing = probe.cudaMissing();
        if (missing.isEmpty()) {
            return fetched(LlamaLibrarySet.CUDA, false);
        }
        log.info("Running llama.cpp on the CPU: the CUDA set cannot run here ({}); --gpu vulkan picks the Vulkan set",
                missing.get());
        return cpu();
    }

    private LibrarySelection required(LlamaLibrarySet set, Optional<String> missing) {
        if (missing.isPresent()) {
            throw new ModelUnavailableException("--gpu " + set.name().toLowerCase(java.util.Locale.ROOT) + ": "
                    + missing.get() + " (" + set.npmPackage() + " needs " + set.needs() + ")");
        }
        return fetched(set, true);
    }

    private LibrarySelection cpu() {
        LibrarySelection cpu = fetched(LlamaLibrarySet.CPU, false);
        return new LibrarySelection(cpu.dir(), cpu.source(), false, false);
    }

    private LibrarySelection fetched(LlamaLibrarySet set, boolean required) {
        return new LibrarySelection(fetch.apply(set), set.npmPackage(), required, true);
    }
}
