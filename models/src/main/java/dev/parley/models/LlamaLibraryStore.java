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
 * published on npm ({@code @node-llama-cpp/linux-x64@3.22.1}, {@code bins/linux-x64/}: libllama, libggml and one CPU
 * backend per instruction-set level, chosen at run time). The package's tarball is downloaded once from the npm
 * registry (no npm needed) into the cache, checked against its pinned SHA-256, and only the libraries are kept, each
 * checked against its own. A configured directory (a GPU build, say) is used as it is.
 */
public final class LlamaLibraryStore {

    /** Environment variable naming a directory with libllama and libggml to use instead. */
    public static final String DIR_ENV = "PARLEY_LLAMA_LIB_DIR";
    public static final String PACKAGE = "@node-llama-cpp/linux-x64@3.22.1";
    public static final String LIBLLAMA = "libllama.v0.5.0.so";
    public static final String LIBGGML = "libggml.v0.5.0.so";

    /** Environment variable naming an npm registry mirror. */
    public static final String REGISTRY_ENV = "NPM_CONFIG_REGISTRY";
    private static final String DEFAULT_REGISTRY = "https://registry.npmjs.org";
    private static final String TARBALL_PATH = "/@node-llama-cpp/linux-x64/-/linux-x64-3.22.1.tgz";
    private static final String BINS = "package/bins/linux-x64/";
    private static final String VERIFIED = ".verified";
    private static final Logger log = LoggerFactory.getLogger(LlamaLibraryStore.class);
    private static final String TARBALL_SHA256 = "0d953e1503d5ab4608d8ed5b739132308c81ac05ffeb760d2a7f30e08a9f90e0";
    private static final Map<String, String> FILES = Map.ofEntries(
            Map.entry("libggml-base.so", "6c342c8aeb20cb31a18099d6f79de4de6703814d1cfd5c4d754a8643087e486e"),
            Map.entry("libggml-cpu-alderlake.so", "6527efda35405a0d91574aced4a7766db9bb0494ab6458c83fe9eba755eb76f7"),
            Map.entry("libggml-cpu-cannonlake.so", "44285a67a31a81a036a70c565d391b31145d835044c03c76cfaa2f90a9d57d42"),
            Map.entry("libggml-cpu-cascadelake.so", "97cace813fbf7b7a07c4793f6a75b8b2d3de256430620f0be4a15bd4372468ea"),
            Map.entry("libggml-cpu-cooperlake.so", "5eda284fd8986d550e21623b269dd31d02c07fc70121d3099609d5dde6b6847e"),
            Map.entry("libggml-cpu-haswell.so", "ddaa96012769f0e86e8670cca374243751880bea2c2d0a4413b3a1b7a29dca74"),
            Map.entry("libggml-cpu-icelake.so", "9b9c24aaa775fd38a6e1ff082549e50d4138d29f2e2883630b28ab70704ed896"),
            Map.entry("libggml-cpu-ivybridge.so", "91b27ab81df92b8429c8e3441a8861014d3aec1424f90885a628fd0d4567532f"),
            Map.entry("libggml-cpu-piledriver.so", "2cb5b2101f5bbefa2416ec7f8b6c6acb177d04f0157989c5d92e4c07750fd3f8"),
            Map.entry("libggml-cpu-sandybridge.so", "bce17565033835dfb59fae2ed712d4c35e56463c2d49ea61ca08e6e2908bdfd6"),
            Map.entry("libggml-cpu-sapphirerapids.so", "e3d4840632b2242655e1721c6b93ec0370406dded9074accfe90bcfb67bd30b8"),
            Map.entry("libggml-cpu-skylakex.so", "df30b40a957175cd8e462e8838632dc51e3be7570b27b9526cb7a044263aeab3"),
            Map.entry("libggml-cpu-sse42.so", "ec65053445506965db5dd9382d7ede084ba639edc55f77aaf73581c778969e02"),
            Map.entry("libggml-cpu-x64.so", "1174c3c3e0b8722313df561d7ef5ece516a070732cec9b8ddda3667c0b959728"),
            Map.entry("libggml-cpu-zen4.so", "d84208de33fdadb8921a1a1a34342f5eceb1e58b83648be68050f7557312bd3e"),
            Map.entry(LIBGGML, "41cd5e6ad78b9f0af31a6f80d637d3168e75ff84db14c495de4d3d9c95607444"),
            Map.entry("libllama-common.so", "8cb10e69b3de60d4ce6047ca13fe1e68c28caad87382701ee7fbde28d19952bd"),
            Map.entry(LIBLLAMA, "2ecd1d85f68456573a664106a9039366b88231579fd65d9669c9a6ab41374fd4"));

    private final Path cacheDir;
    private final URI tarball;
    private final HttpDownloader downloader;

    public LlamaLibraryStore(Path cacheDir, URI tarball, HttpDownloader downloader) {
        this.cacheDir = cacheDir;
        this.tarball = tarball;
        this.downloader = downloader;
    }

    /**
     * A store next to the model cache ({@code .../parley/native}), downloading from the npm registry
     * ({@code NPM_CONFIG_REGISTRY} names a mirror).
     */
    public static LlamaLibraryStore standard(Map<String, String> env) {
        String registry = env.getOrDefault(REGISTRY_ENV, DEFAULT_REGISTRY).replaceAll("/+$", "");
        return new LlamaLibraryStore(ModelStore.defaultCacheDir(env).resolveSibling("native"),
                URI.create(registry + TARBALL_PATH), new HttpDownloader());
    }

    /** The directory holding libllama and libggml: {@code configured} if given, else the verified cache. */
    public Path resolve(String configured) {
        if (configured != null && !configured.isBlank()) {
            Path dir = Path.of(configured);
            if (!Files.isRegularFile(dir.resolve(LIBLLAMA))) {
                throw new ModelUnavailableException(dir + " has no " + LIBLLAMA + " (set by " + DIR_ENV
                        + " or --llama-lib-dir)");
            }
            return dir;
        }
        Path dir = cacheDir.resolve("node-llama-cpp-linux-x64-3.22.1");
        if (Files.isRegularFile(dir.resolve(VERIFIED))) {
            return dir;
        }
        try {
            fetchInto(dir);
            return dir;
        } catch (IOException e) {
            throw new ModelUnavailableException("could not fetch the llama.cpp libraries (" + PACKAGE + ") from "
                    + tarball + ": " + e.getMessage() + ". Set " + DIR_ENV + " to a directory holding " + LIBLLAMA
                    + ", or " + REGISTRY_ENV + " to an npm registry mirror", e);
        }
    }

    private void fetchInto(Path dir) throws IOException {
        Files.createDirectories(cacheDir);
        Path download = Files.createTempFile(cacheDir, "llama-", ".tgz.part");
        Path staging = dir.resolveSibling(dir.getFileName() + ".part");
        try {
            log.info("Fetching llama.cpp libraries {} from {}", PACKAGE, tarball);
            downloader.download(tarball, download);
            String actual = Sha256.of(download);
            if (!actual.equals(TARBALL_SHA256)) {
                throw new IOException(tarball + " has SHA-256 " + actual + ", expected " + TARBALL_SHA256);
            }
            deleteRecursively(staging);
            Files.createDirectories(staging);
            extractLibraries(download, staging);
            for (Map.Entry<String, String> file : FILES.entrySet()) {
                Path extracted = staging.resolve(file.getKey());
                if (!Files.isRegularFile(extracted)) {
                    throw new IOException(PACKAGE + " lacks " + BINS + file.getKey());
                }
                String sha = Sha256.of(extracted);
                if (!sha.equals(file.getValue())) {
                    throw new IOException(file.getKey() + " has SHA-256 " + sha + ", expected " + file.getValue());
                }
            }
            Files.writeString(staging.resolve(VERIFIED), TARBALL_SHA256 + "\n", StandardCharsets.UTF_8);
            deleteRecursively(dir);
            Files.move(staging, dir, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(download);
            deleteRecursively(staging);
        }
    }

    /** Copies the pinned files of {@code package/bins/linux-x64/} out of the tarball, nothing else. */
    private static void extractLibraries(Path tarball, Path into) throws IOException {
        try (InputStream file = Files.newInputStream(tarball);
             TarArchiveInputStream tar = new TarArchiveInputStream(new GZIPInputStream(new BufferedInputStream(file)))) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                String name = entry.getName();
                if (!entry.isFile() || !name.startsWith(BINS)) {
                    continue;
                }
                String fileName = name.substring(BINS.length());
                if (FILES.containsKey(fileName)) {
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
