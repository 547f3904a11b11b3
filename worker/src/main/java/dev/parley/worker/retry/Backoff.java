package dev.parley.worker.retry;

import java.time.Duration;

/**
 * Exponential backoff between retries of a turn step, capped.
 *
 * @param initial first delay
 * @param max     largest delay
 */
public record Backoff(Duration initial, Duration max) {

    public static final Backoff DEFAULT = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(5));

    public Backoff {
        if (initial.isNegative() || max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("backoff needs 0 <= initial <= max, got " + initial + ", " + max);
        }
    }

    /** The delay before retry number {@code attempt} (1-based). */
    public Duration delay(int attempt) {
        long millis = initial.toMillis() << Math.min(attempt - 1, 20);
        return millis >= max.toMillis() || millis < 0 ? max : Duration.ofMillis(millis);
    }

    /**
     * The delay with up to half of it added at random: turns that failed together (a failed decode fails every
     * request in flight) do not all retry at the same instant.
     */
    public Duration jittered(int attempt, java.util.random.RandomGenerator random) {
        Duration base = delay(attempt);
        return base.plusMillis(base.toMillis() == 0 ? 0 : random.nextLong(base.toMillis() / 2 + 1));
    }
}
