package dev.parley.schemas;

import dev.parley.schemas.codec.WireJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;

/**
 * Reads the shared test vectors in {@code schemas/test-vectors/} (see its README). Every module's tests use this
 * class, so adding a vector file tests it everywhere.
 */
public final class TestVectors {

    /** The record key of invalid vectors unless their case says otherwise. */
    public static final String DEFAULT_KEY = "conv-1";

    private final Path root;

    private TestVectors(Path root) {
        this.root = root;
    }

    /**
     * Finds the vectors: the {@code parley.testVectors} system property (set by the build), else the nearest
     * {@code schemas/test-vectors} above the working directory.
     */
    public static TestVectors locate() {
        String configured = System.getProperty("parley.testVectors");
        if (configured != null && Files.isDirectory(Path.of(configured))) {
            return new TestVectors(Path.of(configured));
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("schemas/test-vectors");
            if (Files.isDirectory(candidate)) {
                return new TestVectors(candidate);
            }
        }
        throw new IllegalStateException("schemas/test-vectors not found above " + Path.of("").toAbsolutePath()
                + "; set -Dparley.testVectors=<dir>");
    }

    /** A valid message file. */
    public record Valid(String name, byte[] bytes) {
        public String text() {
            return new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /**
     * An invalid message file and what its rejection must say.
     *
     * @param key      record key to send it with ({@code null}: no key)
     * @param maxBytes size limit the case needs, or 0 for the default
     */
    public record Invalid(String name, byte[] bytes, String key, String code, String field, String reasonContains,
                          int maxBytes) {
        @Override
        public String toString() {
            return name;
        }
    }

    public List<Valid> validPrompts() {
        return valid("prompt/valid");
    }

    public List<Invalid> invalidPrompts() {
        return invalid("prompt/invalid");
    }

    public List<Valid> validReplies() {
        return valid("reply/valid");
    }

    public List<Invalid> invalidReplies() {
        return invalid("reply/invalid");
    }

    public List<Valid> validChunks() {
        return valid("chunk/valid");
    }

    public List<Invalid> invalidChunks() {
        return invalid("chunk/invalid");
    }

    public List<Valid> validCancels() {
        return valid("cancel/valid");
    }

    public List<Invalid> invalidCancels() {
        return invalid("cancel/invalid");
    }

    public List<Valid> validModelAnnouncements() {
        return valid("model-announcement/valid");
    }

    public List<Invalid> invalidModelAnnouncements() {
        return invalid("model-announcement/invalid");
    }

    public List<Valid> validDeadLetters() {
        return valid("dead-letter/valid");
    }

    private List<Valid> valid(String dir) {
        List<Valid> vectors = new ArrayList<>();
        for (Path file : files(dir)) {
            vectors.add(new Valid(file.getFileName().toString(), read(file)));
        }
        return vectors;
    }

    private List<Invalid> invalid(String dir) {
        JsonNode cases = WireJson.mapper().readTree(read(root.resolve(dir).resolve("cases.json")));
        List<Invalid> vectors = new ArrayList<>();
        for (Path file : files(dir)) {
            String name = file.getFileName().toString();
            if (name.equals("cases.json")) {
                continue;
            }
            JsonNode c = cases.get(name);
            if (c == null) {
                throw new IllegalStateException(dir + "/" + name + " has no entry in cases.json");
            }
            String key = c.has("key") ? (c.get("key").isNull() ? null : c.get("key").asString()) : DEFAULT_KEY;
            vectors.add(new Invalid(name, read(file), key, c.get("code").asString(),
                    c.has("field") ? c.get("field").asString() : null,
                    c.has("reason_contains") ? c.get("reason_contains").asString() : null,
                    c.has("max_bytes") ? c.get("max_bytes").asInt() : 0));
        }
        for (Map.Entry<String, JsonNode> entry : cases.properties()) {
            if (!Files.exists(root.resolve(dir).resolve(entry.getKey()))) {
                throw new IllegalStateException(dir + "/cases.json names a missing file: " + entry.getKey());
            }
        }
        return vectors;
    }

    private List<Path> files(String dir) {
        try (Stream<Path> files = Files.list(root.resolve(dir))) {
            return files.filter(p -> !p.getFileName().toString().endsWith(".md")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
