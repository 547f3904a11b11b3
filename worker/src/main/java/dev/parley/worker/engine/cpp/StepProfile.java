package dev.parley.worker.engine.cpp;

import java.util.Locale;

/**
 * Where the engine thread's steps go: how many, how many tokens, how many micro-batches llama.cpp split them into,
 * and the time in {@code llama_decode}, in sampling and in handing results on. Written by the engine thread only,
 * read by anyone ({@link #snapshot()}); the counts of one read may be a step apart, which a profile can bear.
 */
public final class StepProfile {

    /** A reading of the counters since the engine started. */
    public record Totals(long steps, long tokens, long microBatches, long decodeNanos,
                         long sampleNanos, long finishNanos) {

        /** The counters accumulated between {@code earlier} and this reading. */
        public Totals since(Totals earlier) {
            return new Totals(steps - earlier.steps, tokens - earlier.tokens,
                    microBatches - earlier.microBatches, decodeNanos - earlier.decodeNanos,
                    sampleNanos - earlier.sampleNanos, finishNanos - earlier.finishNanos);
        }

        /** One line: per step averages and the split of the step's time. */
        public String line() {
            double n = Math.max(1, steps);
            return String.format(Locale.ROOT, "%d steps, %.1f tokens and %.2f micro-batches per step; per step "
                            + "decode %.2f ms, sampling %.2f ms, text and hand-over %.2f ms", steps, tokens / n,
                    microBatches / n, decodeNanos / n / 1e6, sampleNanos / n / 1e6, finishNanos / n / 1e6);
        }
    }

    private volatile long steps;
    private volatile long tokens;
    private volatile long microBatches;
    private volatile long decodeNanos;
    private volatile long sampleNanos;
    private volatile long finishNanos;

    void record(int tokenCount, int microBatchCount, long decode, long sample, long finish) {
        // single writer (the engine thread): plain read-modify-write of volatiles is safe here
        steps++;
        tokens += tokenCount;
        microBatches += microBatchCount;
        decodeNanos += decode;
        sampleNanos += sample;
        finishNanos += finish;
    }

    public Totals snapshot() {
        return new Totals(steps, tokens, microBatches, decodeNanos, sampleNanos, finishNanos);
    }
}
