package dev.parley.worker.turn;

import dev.parley.worker.metrics.WorkerMetrics;
import dev.parley.schemas.retry.Backoff;
import dev.parley.schemas.retry.FailureStreak;
import dev.parley.worker.retry.KafkaErrors;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends a turn's records (its reply, a dead letter) until the broker acknowledges them, on the turn's thread. A
 * broker outage is waited out with a growing backoff, counted and logged on the first and every tenth attempt; a
 * final failure (too large, not authorized) ends the wait and is returned, so the caller sends something smaller or
 * gives up; an interrupt (the worker stopping) abandons the turn.
 */
final class Delivery {

    private static final Logger log = LoggerFactory.getLogger(Delivery.class);

    private final WorkerMetrics metrics;
    private final Backoff backoff;
    private final Duration timeout;
    private final Sleeper sleeper;
    private final Runnable onRetry;

    /** {@code onRetry} is told of each retry (the turn is waiting out an outage, which the health check allows). */
    Delivery(WorkerMetrics metrics, Backoff backoff, Duration timeout, Sleeper sleeper, Runnable onRetry) {
        this.onRetry = onRetry;
        this.metrics = metrics;
        this.backoff = backoff;
        this.timeout = timeout;
        this.sleeper = sleeper;
    }

    /**
     * @return {@code null} once acknowledged, else the final failure
     * @throws TurnProcessor.Abandoned when interrupted
     */
    Throwable untilAcknowledged(String retryCause, String what, Supplier<CompletableFuture<?>> send)
            throws TurnProcessor.Abandoned {
        FailureStreak streak = FailureStreak.of(backoff);
        while (true) {
            Throwable failure;
            try {
                send.get().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                return null;
            } catch (ExecutionException e) {
                failure = KafkaErrors.unwrap(e);
            } catch (TimeoutException e) {
                failure = e;
            } catch (InterruptedException e) {
                throw new TurnProcessor.Abandoned(e);
            } catch (RuntimeException e) {
                failure = e;
            }
            if (!(failure instanceof TimeoutException) && !KafkaErrors.retriable(failure)) {
                log.warn("Publishing the {} failed for good: {}", what, KafkaErrors.describe(failure));
                return failure;
            }
            Duration pause = streak.failed();
            metrics.turnRetried(retryCause);
            onRetry.run();
            if (streak.worthLogging()) {
                log.warn("Publishing the {} failed (attempt {}), retrying with backoff: {}", what, streak.count(),
                        KafkaErrors.describe(failure));
            }
            try {
                sleeper.sleep(pause);
            } catch (InterruptedException e) {
                throw new TurnProcessor.Abandoned(e);
            }
        }
    }
}
