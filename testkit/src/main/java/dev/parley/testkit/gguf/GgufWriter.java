package dev.parley.testkit.gguf;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes GGUF version 3 files (the llama.cpp model format): a header, typed key/value metadata, tensor
 * descriptions, then the tensor data aligned to {@value #ALIGNMENT} bytes. Only what a tiny test model needs:
 * scalar, string and array metadata and F32 tensors.
 */
public final class GgufWriter {

    static final int ALIGNMENT = 32;
    private static final int MAGIC = 0x46554747; // "GGUF" read as a little-endian u32
    private static final int VERSION = 3;

    // GGUF metadata value types
    private static final int TYPE_UINT32 = 4;
    private static final int TYPE_INT32 = 5;
    private static final int TYPE_FLOAT32 = 6;
    private static final int TYPE_BOOL = 7;
    private static final int TYPE_STRING = 8;
    private static final int TYPE_ARRAY = 9;
    private static final int TENSOR_TYPE_F32 = 0;

    private final Map<String, Object> metadata = new LinkedHashMap<>();
    private final List<Tensor> tensors = new ArrayList<>();

    private record Tensor(String name, long[] shape, float[] data) {
    }

    /** Marker type for u32 metadata (Java has no unsigned int). */
    public record U32(long value) {
    }

    public GgufWriter put(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    public GgufWriter putU32(String key, long value) {
        metadata.put(key, new U32(value));
        return this;
    }

    public GgufWriter put(String key, float value) {
        metadata.put(key, value);
        return this;
    }

    public GgufWriter put(String key, boolean value) {
        metadata.put(key, value);
        return this;
    }

    public GgufWriter putStrings(String key, List<String> values) {
        metadata.put(key, List.copyOf(values));
        return this;
    }

    public GgufWriter putFloats(String key, float[] values) {
        metadata.put(key, values.clone());
        return this;
    }

    public GgufWriter putInts(String key, int[] values) {
        metadata.put(key, values.clone());
        return this;
    }

    /**
     * Adds an F32 tensor. {@code shape} is in GGUF order: the first dimension varies fastest (for a weight matrix
     * that is the input dimension).
     */
    public GgufWriter tensor(String name, long[] shape, float[] data) {
        long elements = 1;
        for (long d : shape) {
            elements *= d;
        }
        if (elements != data.length) {
            throw new IllegalArgumentException("tensor " + name + " has shape of " + elements + " elements but "
                    + data.length + " values");
        }
        tensors.add(new Tensor(name, shape.clone(), data));
        return this;
    }

    public void writeTo(Path file) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            Buffer header = new Buffer();
            header.u32(MAGIC).u32(VERSION).u64(tensors.size()).u64(metadata.size());
            for (Map.Entry<String, Object> entry : metadata.entrySet()) {
                header.string(entry.getKey());
                writeValue(header, entry.getValue());
            }
            long offset = 0;
            for (Tensor tensor : tensors) {
                header.string(tensor.name()).u32(tensor.shape().length);
                for (long d : tensor.shape()) {
                    header.u64(d);
                }
                header.u32(TENSOR_TYPE_F32).u64(offset);
                offset = align(offset + 4L * tensor.data().length);
            }
            header.padTo(ALIGNMENT);
            out.write(header.bytes());
            for (Tensor tensor : tensors) {
                ByteBuffer data = ByteBuffer.allocate(Math.toIntExact(align(4L * tensor.data().length)))
                        .order(ByteOrder.LITTLE_ENDIAN);
                for (float v : tensor.data()) {
                    data.putFloat(v);
                }
                out.write(data.array());
            }
        }
    }

    private static long align(long n) {
        return (n + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    }

    private static void writeValue(Buffer out, Object value) {
        if (value instanceof String s) {
            out.u32(TYPE_STRING).string(s);
        } else if (value instanceof U32 u) {
            out.u32(TYPE_UINT32).u32((int) u.value());
        } else if (value instanceof Float f) {
            out.u32(TYPE_FLOAT32).f32(f);
        } else if (value instanceof Boolean b) {
            out.u32(TYPE_BOOL).u8(b ? 1 : 0);
        } else if (value instanceof List<?> list) {
            out.u32(TYPE_ARRAY).u32(TYPE_STRING).u64(list.size());
            list.forEach(item -> out.string((String) item));
        } else if (value instanceof float[] floats) {
            out.u32(TYPE_ARRAY).u32(TYPE_FLOAT32).u64(floats.length);
            for (float f : floats) {
                out.f32(f);
            }
        } else if (value instanceof int[] ints) {
            out.u32(TYPE_ARRAY).u32(TYPE_INT32).u64(ints.length);
            for (int i : ints) {
                out.u32(i);
            }
        } else {
            throw new IllegalArgumentException("unsupported GGUF metadata value " + value);
        }
    }

    /** A growable little-endian byte buffer. */
    private static final class Buffer {
        private ByteBuffer buffer = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);

        private void ensure(int more) {
            if (buffer.remaining() < more) {
                ByteBuffer bigger = ByteBuffer.allocate(Math.max(buffer.capacity() * 2, buffer.position() + more))
                        .order(ByteOrder.LITTLE_ENDIAN);
                buffer.flip();
                bigger.put(buffer);
                buffer = bigger;
            }
        }

        Buffer u8(int v) {
            ensure(1);
            buffer.put((byte) v);
            return this;
        }

        Buffer u32(int v) {
            ensure(4);
            buffer.putInt(v);
            return this;
        }

        Buffer u64(long v) {
            ensure(8);
            buffer.putLong(v);
            return this;
        }

        Buffer f32(float v) {
            ensure(4);
            buffer.putFloat(v);
            return this;
        }

        Buffer string(String s) {
            byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
            u64(bytes.length);
            ensure(bytes.length);
            buffer.put(bytes);
            return this;
        }

        void padTo(int alignment) {
            while (buffer.position() % alignment != 0) {
                u8(0);
            }
        }

        byte[] bytes() {
            byte[] out = new byte[buffer.position()];
            buffer.flip();
            buffer.get(out);
            return out;
        }
    }
}
