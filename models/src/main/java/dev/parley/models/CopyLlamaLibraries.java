package dev.parley.models;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;

/**
 * {@code CopyLlamaLibraries <dir>}: fetches and verifies the native engine's llama.cpp libraries (as the worker
 * would) and copies them into {@code dir}. The worker image build uses it, so containers start with the libraries
 * in place instead of downloading them.
 */
public final class CopyLlamaLibraries {

    private CopyLlamaLibraries() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            throw new IllegalArgumentException("usage: CopyLlamaLibraries <target-dir>");
        }
        Path source = LlamaLibraryStore.standard(System.getenv()).resolve(System.getenv(LlamaLibraryStore.DIR_ENV));
        Path target = Files.createDirectories(Path.of(args[0]));
        List<Path> libraries;
        try (Stream<Path> files = Files.list(source)) {
            libraries = files.filter(f -> f.getFileName().toString().endsWith(".so")).toList();
        }
        for (Path library : libraries) {
            Files.copy(library, target.resolve(library.getFileName()), StandardCopyOption.REPLACE_EXISTING);
        }
        System.out.println("Copied " + libraries.size() + " llama.cpp libraries from " + source + " to " + target);
    }
}
