package dev.parley.worker.engine.llama;

import de.kherud.llama.args.CacheType;
import java.util.Locale;

/** Element type of the KV cache. Quantized types shrink the cache (and so raise the conversations that fit). */
public enum KvCacheType {
    F16(CacheType.F16, 2.0),
    Q8_0(CacheType.Q8_0, 34.0 / 32),
    Q4_0(CacheType.Q4_0, 18.0 / 32);

    private final CacheType llamaType;
    private final double bytesPerElement;

    KvCacheType(CacheType llamaType, double bytesPerElement) {
        this.llamaType = llamaType;
        this.bytesPerElement = bytesPerElement;
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
