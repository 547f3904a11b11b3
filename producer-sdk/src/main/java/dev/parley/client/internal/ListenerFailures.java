package dev.parley.client.internal;

import dev.parley.client.ParleyUnreachableException;
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
    private final AtomicLong retries = new AtomicLong();
    private volatile int consecutive;
    private volatile long sinceNanos;
    private volatile Instant since;
    private volatile Throwable lastError;

    ListenerFailures(LongSupplier nanoTime, Clock clock) {
        this.nanoTime = nanoTime;
        this.clock = clock;
    }

    /** Records one failure; returns how many there were in a row, this one included. */
    int failed(Throwable error) {
        if (consecutive == 0) {
            sinceNanos = nanoTime.getAsLong();
            since = clock.instant();
        }
        consecutive++;
        retries.incrementAndGet();
        lastError = error;
        return consecutive;
    }

    /** Ends the run of failures (the broker answered); returns how many there were. */
    int succeeded() {
        int ended = consecutive;
        consecutive = 0;
        lastError = null;
        since = null;
        return ended;
    }

    boolean failing() {
        return consecutive > 0;
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
