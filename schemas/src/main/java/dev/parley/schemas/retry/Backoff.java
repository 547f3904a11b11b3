package dev.parley.schemas.retry;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Exponential backoff between retries, capped. Loops use it through a {@link FailureStreak}, which counts the failures
 * it is asked about.
 *
 * @param initial first delay
 * @param max     largest delay
 */
public record Backoff(Duration initial, Duration max) {

    /** 100 ms, doubling up to 5 s: quick after a blip, a few attempts a minute through a long outage. */
    public static final Backoff DEFAULT = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(5));

    public Backoff {
        if (initial == null || max == null || initial.isNegative() || max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("backoff needs 0 <= initial <= max, got " + initial + ", " + max);
        }
    }

    /** The delay before retry number {@code attempt} (1-based). */
    public Duration delay(int attempt) {
        long millis = initial.toMillis() << Math.min(Math.max(attempt, 1) - 1, 20);
        return millis >= max.toMillis() || millis < 0 ? max : Duration.ofMillis(millis);
    }

    /**
     * The delay with up to half of it added at random, so that loops failing together (a failed decode fails every
     * request in flight; every worker reads every cancel) do not retry in step.
     */
    public Duration jittered(int attempt, RandomGenerator random) {
        Duration base = delay(attempt);
        return base.plusMillis(base.toMillis() == 0 ? 0 : random.nextLong(base.toMillis() / 2 + 1));
    }
}
