package dev.parley.worker.engine.cpp;

import java.util.Locale;

/**
 * Where the engine thread's steps go: how many, how many tokens, how many micro-batches llama.cpp split them into,
 * and the time of each phase of a step ({@link Phases}). Written by the engine thread only, read by anyone
 * ({@link #snapshot()}); the counts of one read may be a step apart, which a profile can bear.
 */
public final class StepProfile {

    /**
     * One step's phases, in nanoseconds: filling the batch; {@code llama_decode} (on a GPU the graph's submission,
     * on the CPU the whole computation); the host's work done while the device computes (handing over the previous
     * step's text, taking in new turns); the wait for the device ({@code llama_synchronize}); sampling; and
     * finishing (stop strings, lengths, releasing sequences).
     */
    record Phases(long plan, long submit, long overlapped, long deviceWait, long sample, long finish) {

        long total() {
            return plan + submit + overlapped + deviceWait + sample + finish;
        }
    }

    /** A reading of the counters since the engine started. */
    public record Totals(long steps, long tokens, long padding, long microBatches, long graphsReused, long planNanos,
                         long submitNanos, long overlappedNanos, long waitNanos, long sampleNanos, long finishNanos,
                         long decodeOnlySteps, long decodeOnlyNanos) {

        /** Before the first step. */
        public static final Totals NONE = new Totals(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

        /** The counters accumulated between {@code earlier} and this reading. */
        public Totals since(Totals earlier) {
            return new Totals(steps - earlier.steps, tokens - earlier.tokens, padding - earlier.padding,
                    microBatches - earlier.microBatches, graphsReused - earlier.graphsReused,
                    planNanos - earlier.planNanos,
                    submitNanos - earlier.submitNanos, overlappedNanos - earlier.overlappedNanos,
                    waitNanos - earlier.waitNanos, sampleNanos - earlier.sampleNanos,
                    finishNanos - earlier.finishNanos, decodeOnlySteps - earlier.decodeOnlySteps,
                    decodeOnlyNanos - earlier.decodeOnlyNanos);
        }

        /**
         * The engine thread's time per step outside the wait for the device. On a GPU, where {@code llama_decode}
         * returns once the graph is submitted, a step whose host time is below the device's time keeps the device
         * busy: the wait is then the part of the device's time the host had nothing left to do in.
         */
        public double hostMillisPerStep() {
            return (stepNanos() - waitNanos) / Math.max(1, steps) / 1e6;
        }

        /** The whole time of the steps, every phase. */
        public long stepNanos() {
            return planNanos + submitNanos + overlappedNanos + waitNanos + sampleNanos + finishNanos;
        }

        /**
         * One line: per step averages and the split of the step's time, then the steps that only generated (one
         * token per generating sequence, no prompt tokens: what {@code llama-batched-bench}'s text generation times)
         * apart from those that carried prompt tokens too.
         */
        public String line() {
            double n = Math.max(1, steps);
            long promptSteps = steps - decodeOnlySteps;
            return String.format(Locale.ROOT, "%d steps, %.1f tokens (+%.1f padding) and %.2f micro-batches per step, %.0f %% of "
                            + "graph runs reusing the previous graph; per step "
                            + "batch %.2f ms, llama_decode %.2f ms, host work overlapped %.2f ms, waiting for the "
                            + "device %.2f ms, sampling %.2f ms, stops and finishing %.2f ms (host %.2f ms); "
                            + "%d generating-only steps of %.2f ms, %d with prompt tokens of %.2f ms",
                    steps, tokens / n, padding / n, microBatches / n, 100.0 * graphsReused / Math.max(1, microBatches),
                    planNanos / n / 1e6, submitNanos / n / 1e6,
                    overlappedNanos / n / 1e6, waitNanos / n / 1e6, sampleNanos / n / 1e6, finishNanos / n / 1e6,
                    hostMillisPerStep(), decodeOnlySteps, decodeOnlyNanos / Math.max(1.0, decodeOnlySteps) / 1e6,
                    promptSteps, (stepNanos() - decodeOnlyNanos) / Math.max(1.0, promptSteps) / 1e6);
        }
    }

    private volatile long steps;
    private volatile long tokens;
    private volatile long padding;
    private volatile long microBatches;
    private volatile long graphsReused;
    private volatile long planNanos;
    private volatile long submitNanos;
    private volatile long overlappedNanos;
    private volatile long waitNanos;
    private volatile long sampleNanos;
    private volatile long finishNanos;
    private volatile long decodeOnlySteps;
    private volatile long decodeOnlyNanos;

    /**
     * One step: its tokens, the padding tokens that filled its gaps ({@link GapPads}), the micro-batches (graph runs) llama.cpp made of them, and llama.cpp's count of graph runs
     * that reused the previous graph since the context was made ({@code llama_perf_context}'s {@code n_reused}).
     * A reused graph skips building and allocating it on the host, and on CUDA replays its CUDA graph instead of
     * launching every kernel: the submission the step profile books under {@code llama_decode}.
     */
    void record(int tokenCount, int paddingCount, int microBatchCount, int reusedSoFar, boolean withPrompt,
                Phases phases) {
        // single writer (the engine thread): plain read-modify-write of volatiles is safe here
        steps++;
        tokens += tokenCount;
        padding += paddingCount;
        microBatches += microBatchCount;
        graphsReused = reusedSoFar;
        planNanos += phases.plan();
        submitNanos += phases.submit();
        overlappedNanos += phases.overlapped();
        waitNanos += phases.deviceWait();
        sampleNanos += phases.sample();
        finishNanos += phases.finish();
        if (!withPrompt) {
            decodeOnlySteps++;
            decodeOnlyNanos += phases.total();
        }
    }

    public Totals snapshot() {
        return new Totals(steps, tokens, padding, microBatches, graphsReused, planNanos, submitNanos, overlappedNanos, waitNanos,
                sampleNanos, finishNanos, decodeOnlySteps, decodeOnlyNanos);
    }
}
