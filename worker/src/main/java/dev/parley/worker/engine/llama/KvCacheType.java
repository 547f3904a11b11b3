package dev.parley.worker.engine.llama;

import de.kherud.llama.args.CacheType;
import dev.parley.models.GgufMetadata;
import dev.parley.worker.engine.EngineException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/** Element type of the KV cache. Quantized types shrink the cache (and so raise the conversations that fit). */
public enum KvCacheType {
    F16(CacheType.F16, 1, 2.0),
    Q8_0(CacheType.Q8_0, 8, 34.0 / 32),
    Q4_0(CacheType.Q4_0, 2, 18.0 / 32);

    /** Values per block of llama.cpp's Q8_0 and Q4_0 types. */
    private static final int QUANT_BLOCK = 32;

    private final CacheType llamaType;
    private final int ggmlType;
    private final double bytesPerElement;

    KvCacheType(CacheType llamaType, int ggmlType, double bytesPerElement) {
        this.llamaType = llamaType;
        this.ggmlType = ggmlType;
        this.bytesPerElement = bytesPerElement;
    }

    /** The {@code enum ggml_type} value of llama.cpp's C API. */
    public int ggmlType() {
        return ggmlType;
    }

    /**
     * llama.cpp aborts the whole process on a quantized cache whose blocks do not divide the attention head, so
     * this checks first and throws an error naming the model's head dimension.
     */
    public void requireFits(Path model) {
        if (!quantized()) {
            return;
        }
        long headDim;
        try {
            GgufMetadata metadata = GgufMetadata.read(model);
            long heads = metadata.archNumber("attention.head_count");
            headDim = metadata.number(metadata.architecture() + ".attention.key_length")
                    .orElse(metadata.archNumber("embedding_length") / heads);
        } catch (IOException | RuntimeException e) {
            throw new EngineException("cannot read " + model + " as GGUF: " + e.getMessage(), e);
        }
        if (headDim % QUANT_BLOCK != 0) {
            throw new EngineException("KV cache type " + this + " needs a head dimension divisible by "
                    + QUANT_BLOCK + "; " + model.getFileName() + " has " + headDim + ": use f16");
        }
    }

    CacheType llamaType() {
        return llamaType;
    }

    /** Bytes per cached element, block overhead included (Q8_0: 34 bytes per 32 values). */
    public double bytesPerElement() {
        return bytesPerElement;
    }

    public boolean quantized() {
        return this != F16;
    }

    /** Parses {@code f16}, {@code q8_0}, {@code q4_0} (any case); the error names the bad value. */
    public static KvCacheType parse(String text) {
        for (KvCacheType type : values()) {
            if (type.name().equalsIgnoreCase(text.strip())) {
                return type;
            }
        }
        throw new IllegalArgumentException("KV cache type must be f16, q8_0 or q4_0, got '" + text + "'");
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
