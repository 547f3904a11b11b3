package dev.parley.worker.engine.cpp;

import java.util.Locale;

/**
 * How llama.cpp lays out the KV cache of the engine's sequences.
 *
 * <ul>
 *   <li>{@link #PER_SEQUENCE}: each sequence its own cells ({@code kv_unified = false}). Attention reads only the
 *   sequence's own cells, which on a CPU is most of a step's cost at long contexts; but llama.cpp puts only sequences
 *   with consecutive ids into one micro-batch, so idle sequences between running ones cost extra graph runs.</li>
 *   <li>{@link #UNIFIED}: one pool of {@code slots x context} cells ({@code kv_unified = true}), what llama-server
 *   uses by default. Any mix of sequences is one micro-batch, but attention spans the used cells of all sequences,
 *   masked.</li>
 * </ul>
 * Measured, the attention costs more than the graph runs save: 0.46x of per-sequence at 8 conversations on 2 CPU
 * cores, 0.44x at 64 sequences on an H200 (docs/benchmarks-gpu.md), so per-sequence is the default.
 */
public enum KvLayout {
    PER_SEQUENCE, UNIFIED;

    /** {@code per-sequence} or {@code unified}. */
    public static KvLayout parse(String text) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "per-sequence" -> PER_SEQUENCE;
            case "unified" -> UNIFIED;
            default -> throw new IllegalArgumentException("kv-layout must be per-sequence or unified, got " + text);
        };
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
