package dev.parley.worker.engine.template;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.models.HttpDownloader;
import dev.parley.models.ModelStore;
import dev.parley.models.Sha256;
import dev.parley.testkit.ProjectFiles;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * llama.cpp's own source at the release the native engine runs (v0.5.0): node-llama-cpp 3.22.1 ships it on npm as a
 * git bundle ({@code llama/gitRelease.bundle}). The tarball is downloaded once into the cache next to the models,
 * checked against its SHA-256, and the files the tests read ({@code models/templates/*.jinja}, the template tests)
 * are taken out of the bundle with git into {@code worker/target/llama.cpp}.
 */
final class LlamaCppSource {

    private static final String TARBALL = "https://registry.npmjs.org/node-llama-cpp/-/node-llama-cpp-3.22.1.tgz";
    private static final String TARBALL_SHA256 = "a0d9dd80eacd2ab1cfe71aee57ac8a806487fd70b3d2a38fbec637752d9e5c5f";
    private static final String BUNDLE_ENTRY = "package/llama/gitRelease.bundle";
    private static final Path TARGET = ProjectFiles.resolve("worker/target/llama.cpp");
    private static final List<String> PATHS = List.of("models/templates", "tests/test-chat-template.cpp",
            "tests/test-chat-auto-parser.cpp");

    private LlamaCppSource() {
    }

    /** The directory holding the extracted files, extracting them first if needed. */
    static synchronized Path root() throws IOException, InterruptedException {
        if (Files.isRegularFile(TARGET.resolve("tests/test-chat-template.cpp"))) {
            return TARGET;
        }
        Path bundle = TARGET.resolveSibling("llama.cpp.bundle");
        extractBundle(tarball(), bundle);
        Path bare = TARGET.resolveSibling("llama.cpp.git");
        git(null, "clone", "--quiet", "--bare", bundle.toString(), bare.toString());
        Path archive = TARGET.resolveSibling("llama.cpp.tar");
        git(bare, "archive", "--format=tar", "-o", archive.toString(), "HEAD", String.join(" ", PATHS));
        Files.createDirectories(TARGET);
        run(List.of("tar", "-xf", archive.toString(), "-C", TARGET.toString()), null);
        return TARGET;
    }

    static String read(String relative) throws IOException, InterruptedException {
        return Files.readString(root().resolve(relative), StandardCharsets.UTF_8);
    }

    private static Path tarball() throws IOException {
        Path cached = ModelStore.defaultCacheDir(System.getenv()).resolveSibling("npm")
                .resolve("node-llama-cpp-3.22.1.tgz");
        if (Files.isRegularFile(cached) && Sha256.of(cached).equals(TARBALL_SHA256)) {
            return cached;
        }
        Files.createDirectories(cached.getParent());
        Path part = Files.createTempFile(cached.getParent(), "node-llama-cpp-", ".part");
        new HttpDownloader().download(URI.create(TARBALL), part);
        assertThat(Sha256.of(part)).as("SHA-256 of " + TARBALL).isEqualTo(TARBALL_SHA256);
        Files.move(part, cached, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return cached;
    }

    private static void extractBundle(Path tarball, Path bundle) throws IOException {
        Files.createDirectories(bundle.getParent());
        try (InputStream file = Files.newInputStream(tarball);
             TarArchiveInputStream tar = new TarArchiveInputStream(new GZIPInputStream(new BufferedInputStream(file)))) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                if (entry.getName().equals(BUNDLE_ENTRY)) {
                    Files.copy(tar, bundle, StandardCopyOption.REPLACE_EXISTING);
                    return;
                }
            }
        }
        throw new IOException(tarball + " has no " + BUNDLE_ENTRY);
    }

    private static void git(Path gitDir, String... args) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of("git"));
        if (gitDir != null) {
            command.add("--git-dir=" + gitDir);
        }
        for (String arg : args) {
            command.addAll(arg.contains(" ") ? List.of(arg.split(" ")) : List.of(arg));
        }
        run(command, null);
    }

    private static void run(List<String> command, Path dir) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        if (dir != null) {
            builder.directory(dir.toFile());
        }
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(5, TimeUnit.MINUTES)).as(String.join(" ", command)).isTrue();
        assertThat(process.exitValue()).as(String.join(" ", command) + ": " + output).isZero();
    }
}
