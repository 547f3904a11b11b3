package dev.parley.models;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Reads the scalar metadata of a GGUF file (versions 2 and 3) without loading tensors: enough to size a model's KV
 * cache. Arrays (the vocabulary) are skipped.
 */
public final class GgufMetadata {

    private static final int MAGIC = 0x46554747;

    private final Map<String, Object> values;

    private GgufMetadata(Map<String, Object> values) {
        this.values = values;
    }

    public static GgufMetadata read(Path file) throws IOException {
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            LittleEndian in = new LittleEndian(new DataInputStream(raw));
            int magic = in.i32();
            if (magic != MAGIC) {
                throw new IOException(file + " is not a GGUF file (magic 0x" + Integer.toHexString(magic) + ")");
            }
            int version = in.i32();
            if (version < 2 || version > 3) {
                throw new IOException("unsupported GGUF version " + version + " in " + file);
            }
            in.i64(); // tensor count
            long count = in.i64();
            Map<String, Object> values = new LinkedHashMap<>();
            for (long i = 0; i < count; i++) {
                String key = in.string();
                int type = in.i32();
                Object value = in.value(type);
                if (value != null) {
                    values.put(key, value);
                }
            }
            return new GgufMetadata(values);
        }
    }

    public Optional<String> string(String key) {
        return Optional.ofNullable(values.get(key)).filter(String.class::isInstance).map(String.class::cast);
    }

    public Optional<Long> number(String key) {
        return Optional.ofNullable(values.get(key)).filter(Number.class::isInstance).map(v -> ((Number) v).longValue());
    }

    /** The architecture, e.g. {@code llama}, {@code qwen2}. */
    public String architecture() {
        return string("general.architecture").orElseThrow(() -> new IllegalStateException("no general.architecture"));
    }

    /** An architecture-scoped number, e.g. {@code block_count} for {@code llama.block_count}. */
    public long archNumber(String name) {
        String key = architecture() + "." + name;
        return number(key).orElseThrow(() -> new IllegalStateException("GGUF has no " + key));
    }

    /**
     * KV cache bytes per token: 2 (K and V) x layers x KV heads x head dimension x bytes per element.
     *
     * @param bytesPerElement 2 for F16, 34/32 for Q8_0, 18/32 for Q4_0
     */
    public double kvBytesPerToken(double bytesPerElement) {
        long layers = archNumber("block_count");
        long heads = archNumber("attention.head_count");
        long kvHeads = number(architecture() + ".attention.head_count_kv").orElse(heads);
        long headDim = number(architecture() + ".attention.key_length")
                .orElse(archNumber("embedding_length") / heads);
        return 2.0 * layers * kvHeads * headDim * bytesPerElement;
    }

    /** Reads little-endian GGUF primitives. */
    private record LittleEndian(DataInputStream in) {
        int i32() throws IOException {
            return Integer.reverseBytes(in.readInt());
        }

        long i64() throws IOException {
            return Long.reverseBytes(in.readLong());
        }

        String string() throws IOException {
            long length = i64();
            if (length < 0 || length > 1 << 24) {
                throw new IOException("implausible GGUF string length " + length);
            }
            byte[] bytes = in.readNBytes((int) length);
            if (bytes.length != length) {
                throw new EOFException();
            }
            return new String(bytes, StandardCharsets.UTF_8);
        }

        /** Reads a value; arrays are skipped and yield {@code null}. */
        Object value(int type) throws IOException {
            return switch (type) {
                case 0, 1 -> (long) in.readByte();
                case 2, 3 -> (long) Short.reverseBytes(in.readShort());
                case 4 -> Integer.toUnsignedLong(i32());
                case 5 -> (long) i32();
                case 6 -> (double) Float.intBitsToFloat(i32());
                case 7 -> in.readByte() != 0;
                case 8 -> string();
                case 9 -> {
                    int elementType = i32();
                    long n = i64();
                    for (long i = 0; i < n; i++) {
                        value(elementType);
                    }
                    yield null;
                }
                case 10, 11 -> i64();
                case 12 -> Double.longBitsToDouble(i64());
                default -> throw new IOException("unknown GGUF value type " + type);
            };
        }
    }
}
