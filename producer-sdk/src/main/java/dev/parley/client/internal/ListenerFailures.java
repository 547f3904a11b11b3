package dev.parley.client.internal;

import dev.parley.client.ParleyUnreachableException;
import dev.parley.schemas.retry.FailureStreak;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The reply listener's run of failures without a success in between: since when, how many, the last error. Only the
 * listener's thread writes it; {@link #retries()}, {@link #since()} and {@link #failingFor()} may be read from any
 * thread (a health check).
 */
final class ListenerFailures {

    private final LongSupplier nanoTime;
    private final Clock clock;
    private final FailureStreak streak;
    private final AtomicLong retries = new AtomicLong();
    private volatile long sinceNanos;
    private volatile Instant since;
    private volatile Throwable lastError;

    /**
     * @param streak the retry policy: the pause after each failure, and which failures are worth a log line
     */
    ListenerFailures(LongSupplier nanoTime, Clock clock, FailureStreak streak) {
        this.nanoTime = nanoTime;
        this.clock = clock;
        this.streak = streak;
    }

    /** Records one failure; returns the pause before the next round. */
    Duration failed(Throwable error) {
        if (!streak.failing()) {
            sinceNanos = nanoTime.getAsLong();
            since = clock.instant();
        }
        retries.incrementAndGet();
        lastError = error;
        return streak.failed();
    }

    /** The current run of failures: how many in a row, and whether the last one is worth a log line. */
    FailureStreak streak() {
        return streak;
    }

    /** Ends the run of failures (the broker answered); returns how many there were. */
    int succeeded() {
        lastError = null;
        since = null;
        return streak.succeeded();
    }

    boolean failing() {
        return streak.failing();
    }

    /** When the current run of failures began; null when the listener is not failing. */
    Instant since() {
        return since;
    }

    /** How long the listener has been failing without a success (zero when it is not). */
    Duration failingFor() {
        return failing() ? Duration.ofNanos(nanoTime.getAsLong() - sinceNanos) : Duration.ZERO;
    }

    /** Failures retried since the listener started, over all outages. */
    long retries() {
        return retries.get();
    }

    /** The exception a request waiting through this outage fails with. */
    ParleyUnreachableException unreachable(String requestId, Duration outageTimeout) {
        return new ParleyUnreachableException(requestId, since, failingFor(), outageTimeout, lastError);
    }
}
