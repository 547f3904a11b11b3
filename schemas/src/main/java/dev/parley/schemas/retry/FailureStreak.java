package dev.parley.schemas.retry;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * One retry loop's failures in a row, and what each of them calls for: a pause that grows with the streak up to the
 * backoff's cap (never a tight loop, never an unbounded wait), and a log line only on the first failure and every
 * {@value #LOG_EVERY}th (an outage is visible without flooding the log). A success ends the streak.
 *
 * <p>The policy only decides; the loop counts the failure in its own metric, writes its own log line and waits in its
 * own way (a sleep, a latch that {@code close()} opens, a due time on the poll thread). One thread fails and succeeds;
 * {@link #count()} may be read from any thread (a health check).
 *
 * <pre>{@code
 * Duration pause = streak.failed();
 * metrics.retried("commit");
 * if (streak.worthLogging()) {
 *     log.warn("Commit failed ({} in a row), retrying in {}", streak.count(), pause);
 * }
 * }</pre>
 */
public final class FailureStreak {

    /** Failures logged: the first of a streak, then every this many. */
    public static final int LOG_EVERY = 10;

    private final Backoff backoff;
    /** Where the jitter comes from, or {@code null} for the plain backoff. */
    private final Supplier<RandomGenerator> jitter;
    private volatile int count;

    private FailureStreak(Backoff backoff, Supplier<RandomGenerator> jitter) {
        if (backoff == null) {
            throw new IllegalArgumentException("a failure streak needs a backoff");
        }
        this.backoff = backoff;
        this.jitter = jitter;
    }

    /** Pauses exactly {@link Backoff#delay}: for a loop that fails alone (its own commit, its own poll). */
    public static FailureStreak of(Backoff backoff) {
        return new FailureStreak(backoff, null);
    }

    /**
     * Pauses {@link Backoff#jittered}: for loops that fail together with others (every turn of a failed decode, every
     * worker reading the same cancel) and must not retry in step.
     */
    public static FailureStreak jittered(Backoff backoff) {
        return new FailureStreak(backoff, ThreadLocalRandom::current);
    }

    /** {@link #jittered(Backoff)} drawing from {@code random}: tests pass a seeded one. */
    public static FailureStreak jittered(Backoff backoff, RandomGenerator random) {
        if (random == null) {
            throw new IllegalArgumentException("a jittered failure streak needs a random generator");
        }
        return new FailureStreak(backoff, () -> random);
    }

    /** Counts one more failure; returns the pause before the next try. */
    public Duration failed() {
        int now = count + 1;
        count = now;
        return jitter == null ? backoff.delay(now) : backoff.jittered(now, jitter.get());
    }

    /** Whether the failure just counted deserves a log line: the first of the streak, then every tenth. */
    public boolean worthLogging() {
        int now = count;
        return now == 1 || (now > 0 && now % LOG_EVERY == 0);
    }

    /** Failures in a row so far (zero while the loop succeeds). */
    public int count() {
        return count;
    }

    /** Whether the last try failed. */
    public boolean failing() {
        return count > 0;
    }

    /** A success: ends the streak. Returns how many failures it had, zero when there was none (worth a log line). */
    public int succeeded() {
        int ended = count;
        count = 0;
        return ended;
    }
}
