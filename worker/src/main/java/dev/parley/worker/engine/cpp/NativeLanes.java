package dev.parley.worker.engine.cpp;

import java.time.Duration;
import java.util.Objects;

/**
 * How the native engine treats the lanes of its generations ({@link dev.parley.schemas.Priority}).
 *
 * <p>Waiting generations get a sequence interactive first; the batch lane ages like the dispatcher's (a batch job
 * waits at most {@code batchAging} without any batch job being admitted before the first one goes ahead). When an
 * interactive job waits and no sequence is free, a running batch job is paused: its sequence is copied into host RAM,
 * the sequence goes to the interactive job, and the batch job resumes later where it stopped (sampler, text, count
 * and pending token kept), with the same answer. Two bounds keep a batch job moving: it is paused at most
 * {@code maxPreemptions} times, and not again before it has computed {@code minTokensBetween} tokens since it was
 * admitted or resumed.
 *
 * @param batchAging       the batch lane's aging bound
 * @param maxPreemptions   pauses per batch generation; 0 turns preemption off
 * @param minTokensBetween tokens (prompt or generated) a batch job computes after admission or resumption before it
 *                         may be paused again
 */
public record NativeLanes(Duration batchAging, int maxPreemptions, int minTokensBetween) {

    public static final int DEFAULT_MAX_PREEMPTIONS = 2;
    public static final int DEFAULT_MIN_TOKENS_BETWEEN = 8;
    /** Interactive first, preemption on, the dispatcher's default aging. */
    public static final NativeLanes DEFAULT = new NativeLanes(Duration.ofSeconds(30), DEFAULT_MAX_PREEMPTIONS,
            DEFAULT_MIN_TOKENS_BETWEEN);

    public NativeLanes {
        Objects.requireNonNull(batchAging, "batchAging");
        if (batchAging.isNegative()) {
            throw new IllegalArgumentException("batch-aging must be >= 0, got " + batchAging);
        }
        if (maxPreemptions < 0) {
            throw new IllegalArgumentException("preempt-max must be >= 0, got " + maxPreemptions);
        }
        if (minTokensBetween < 0) {
            throw new IllegalArgumentException("preempt-min-tokens must be >= 0, got " + minTokensBetween);
        }
    }

    public boolean preempts() {
        return maxPreemptions > 0;
    }

    /** These lanes with preemption off (interactive first still). */
    public NativeLanes withoutPreemption() {
        return new NativeLanes(batchAging, 0, minTokensBetween);
    }
}
