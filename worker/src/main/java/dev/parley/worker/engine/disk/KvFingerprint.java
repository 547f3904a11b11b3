package dev.parley.worker.engine.disk;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * What a KV snapshot's bytes depend on: the model file, the llama.cpp build, the KV cache type and the context layout.
 * A snapshot file carries the SHA-256 of this description and is restored only into an engine with the same one, so
 * a snapshot from another model, build or cache type is never loaded (its cells would be garbage, not an error).
 *
 * <p>Files are identified by their size and the SHA-256 of their first and last MiB rather than of the whole file:
 * a model of many GiB is then fingerprinted in milliseconds, and the head (GGUF metadata and tensor table) and the
 * tail (the last tensors' weights) differ between any two models or quantizations met in practice.
 *
 * @param description the inputs, readable, for logs
 * @param digest      SHA-256 of the description, 32 bytes
 */
public record KvFingerprint(String description, byte[] digest) {

    public static final int DIGEST_BYTES = 32;
    private static final int SAMPLE_BYTES = 1 << 20;

    public KvFingerprint {
        if (digest.length != DIGEST_BYTES) {
            throw new IllegalArgumentException("a fingerprint digest has 32 bytes, got " + digest.length);
        }
        digest = digest.clone();
    }

    /**
     * The fingerprint of a native engine's context.
     *
     * @param model          the GGUF file
     * @param llamaLibrary   the libllama shared library file (its bytes identify the build), or null if unknown
     * @param llamaVersion   what {@code llama_version()} answered
     * @param cacheType      the KV cache element type (f16, q8_0, q4_0)
     * @param sequences      sequences of the context ({@code n_seq_max})
     * @param perSequence    context tokens per sequence
     * @param flashAttention llama.cpp's flash attention setting (it changes the V cache's layout)
     */
    public static KvFingerprint of(Path model, Path llamaLibrary, String llamaVersion, String cacheType,
                                   int sequences, int perSequence, int flashAttention) {
        String description = "model=" + fileIdentity(model)
                + ";llama=" + llamaVersion + "/" + (llamaLibrary == null ? "unknown" : fileIdentity(llamaLibrary))
                + ";kv=" + cacheType + ";sequences=" + sequences + ";per_sequence=" + perSequence
                + ";kv_unified=0;flash_attn=" + flashAttention + ";format=" + SnapshotFile.VERSION;
        return new KvFingerprint(description, sha256(description.getBytes(StandardCharsets.UTF_8)));
    }

    /** Whether {@code other} is this fingerprint's digest. */
    public boolean matches(byte[] other) {
        return MessageDigest.isEqual(digest, other);
    }

    @Override
    public byte[] digest() {
        return digest.clone();
    }

    /** The file's size and the SHA-256 of its first and last MiB. */
    static String fileIdentity(Path file) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(sample(channel, 0));
            sha.update(sample(channel, Math.max(0, size - SAMPLE_BYTES)));
            return size + ":" + HexFormat.of().formatHex(sha.digest(), 0, 16);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot fingerprint " + file, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ByteBuffer sample(FileChannel channel, long position) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(SAMPLE_BYTES, channel.size() - position));
        while (buffer.hasRemaining() && channel.read(buffer, position + buffer.position()) >= 0) {
            // read until full: a regular file returns all its bytes
        }
        return buffer.flip();
    }

    static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof KvFingerprint f && Arrays.equals(f.digest, digest);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(digest);
    }

    @Override
    public String toString() {
        return "KvFingerprint[" + HexFormat.of().formatHex(digest, 0, 8) + ": " + description + "]";
    }
}
