package dev.parley.worker.engine.cpp;

import java.util.Locale;

/**
 * Whether a step fills the gaps between its sequences ({@link GapPads}). With a KV cache per sequence, llama.cpp puts
 * only sequences with consecutive ids into one micro-batch, so an idle sequence between two generating ones splits
 * the step into two graph runs; and llama.cpp reuses its last graph (on CUDA, replays its CUDA graph instead of
 * launching each kernel) only when a run has the same sequences as the one before, so two runs per step rebuild both
 * every step. A gap filled with one throw-away token makes the step one run, the same run as the step before.
 *
 * <ul>
 *   <li>{@link #ON}: fill the gaps.</li>
 *   <li>{@link #OFF}: leave them; on the CPU a padding token costs as much as a real one.</li>
 *   <li>{@link #AUTO}: on when the model's layers are on a GPU, where a token more in a run costs little beside a
 *   graph built and launched again, and the KV cache is per sequence.</li>
 * </ul>
 */
public enum GapPadding {
    AUTO, ON, OFF;

    /** {@code auto}, {@code on} or {@code off}. */
    public static GapPadding parse(String text) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "auto" -> AUTO;
            case "on" -> ON;
            case "off" -> OFF;
            default -> throw new IllegalArgumentException("gap-padding must be auto, on or off, got " + text);
        };
    }

    /** Whether to fill gaps, given where the model is and the KV layout (a unified cache has no such gaps). */
    boolean resolve(boolean modelOnGpu, KvLayout layout) {
        if (layout == KvLayout.UNIFIED) {
            return false;
        }
        return this == ON || (this == AUTO && modelOnGpu);
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
