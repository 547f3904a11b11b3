package dev.parley.models;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Finds libllama and libggml in a directory, whichever build made it: a stock CMake build ({@code libllama.so},
 * {@code libggml.so}, maybe with version suffixes), or node-llama-cpp's sets ({@code libllama.v0.5.0.so},
 * {@code libllama.cuda.v0.5.0.so}). The names only say which file to open; whether it is the right llama.cpp is
 * asked of the library itself once loaded ({@code llama_version}).
 *
 * @param libllama the llama library
 * @param libggml  ggml's backend registry library (not {@code libggml-base} nor a backend such as {@code libggml-cuda})
 */
public record LlamaLibraryFiles(Path libllama, Path libggml) {

    // libllama.so, libllama.so.0, libllama.so.0.5.0, libllama.v0.5.0.so, libllama.cuda.v0.5.0.so; never libllama-common
    private static final Pattern LLAMA = Pattern.compile("libllama(\\.[A-Za-z0-9_]+)*\\.so(\\.[0-9]+)*");
    private static final Pattern GGML = Pattern.compile("libggml(\\.[A-Za-z0-9_]+)*\\.so(\\.[0-9]+)*");

    /** The libraries in {@code dir}; the message says what is missing. */
    public static LlamaLibraryFiles find(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new ModelUnavailableException(dir + " is not a directory (expected llama.cpp's libllama and libggml)");
        }
        Optional<Path> llama = pick(dir, LLAMA);
        Optional<Path> ggml = pick(dir, GGML);
        if (llama.isEmpty() || ggml.isEmpty()) {
            throw new ModelUnavailableException(dir + " has no " + (llama.isEmpty() ? "libllama" : "libggml")
                    + " library (libllama.so and libggml.so of a llama.cpp v0.5.0 build with BUILD_SHARED_LIBS=ON, "
                    + "or a node-llama-cpp set)");
        }
        return new LlamaLibraryFiles(llama.get(), ggml.get());
    }

    /** The shortest matching name: {@code libllama.so} before its version-suffixed links. */
    private static Optional<Path> pick(Path dir, Pattern pattern) {
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> matches = files
                    .filter(f -> pattern.matcher(f.getFileName().toString()).matches())
                    .filter(Files::isRegularFile)
                    .sorted(Comparator.comparingInt((Path f) -> f.getFileName().toString().length())
                            .thenComparing(f -> f.getFileName().toString()))
                    .toList();
            return matches.stream().findFirst();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }
}
