package dev.parley.bench;

import dev.parley.models.ModelLocator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The options every benchmark command shares: which model, how much context per slot, where results go. */
public final class BenchOptions {

    @Option(names = "--model", defaultValue = "${env:PARLEY_MODEL}", description = "Model spec (default smollm2-135m)")
    String model;

    @Option(names = "--context-per-slot", defaultValue = "2048", description = "Default ${DEFAULT-VALUE}")
    int contextPerSlot;

    @Option(names = "--out", defaultValue = "bench-results", description = "Output directory (default ${DEFAULT-VALUE})")
    Path out;

    /** The model file, downloaded first if the spec names a remote one. */
    public Path modelFile() {
        return model == null || model.isBlank() ? ModelLocator.fromEnvironment().locate()
                : ModelLocator.fromEnvironment().resolve(model);
    }

    public int contextPerSlot() {
        return contextPerSlot;
    }

    /** The output directory, created if missing. */
    public Path out() throws IOException {
        return Files.createDirectories(out);
    }
}
