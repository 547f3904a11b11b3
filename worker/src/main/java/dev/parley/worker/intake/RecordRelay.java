package dev.parley.worker.intake;

import dev.parley.worker.metrics.WorkerMetrics;
import dev.parley.schemas.retry.Backoff;
import dev.parley.schemas.retry.FailureStreak;
import dev.parley.worker.retry.KafkaErrors;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends records made from consumed ones (dead letters, forwarded prompts) until the broker acknowledges them, and
 * then reports the consumed record done. A retriable failure (the broker away) is tried again after an exponential
 * backoff, counted, and logged on the first and every tenth attempt, never in a tight loop; a final failure (record
 * too large, not authorized) gets the send's own fallback once, and after that is given up: logged with the
 * record's position, counted, and the record reported done so that its partition moves on.
 *
 * <p>{@link #send} may be called from any thread; {@link #retryDue} runs on the poll thread, which owns the timing.
 */
final class RecordRelay {

    private static final Logger log = LoggerFactory.getLogger(RecordRelay.class);

    /** One record to relay: how to send it, and what to do when that fails for good. */
    interface Send {
        /** Sends once; completes when acknowledged. */
        CompletableFuture<?> attempt();

        /** A smaller or simpler send to try after a final failure, or {@code null} for none. */
        Send fallback();

        /** What is relayed, for log lines (never prompt text). */
        String describe();

        /**
         * Deals with a send given up for good in its own way; true when it did, and then it reports the consumed
         * record done itself. By default a given-up record is reported done (and counted) by the relay's outcome.
         */
        default boolean takeBack() {
            return false;
        }
    }

    /** Told when a relayed record's source is done, and of records given up. */
    interface Outcome {
        void done(TopicPartition partition, long offset);

        void givenUp(TopicPartition partition, long offset, Throwable error);
    }

    /** A send and its own run of failures: each record backs off by its own attempts. */
    private record Pending(TopicPartition partition, long offset, Send send, FailureStreak failures, long dueNanos) {
    }

    private final String loop;
    private final Backoff backoff;
    private final WorkerMetrics metrics;
    private final Outcome outcome;
    private final LongSupplier nanoTime;
    private final Executor sender;
    private final ConcurrentLinkedQueue<Pending> failed = new ConcurrentLinkedQueue<>();
    private final PriorityQueue<Pending> scheduled = new PriorityQueue<>(
            (a, b) -> Long.compare(a.dueNanos(), b.dueNanos()));

    /**
     * @param loop the name this relay's retries are counted under ({@code parley.retries{loop}})
     */
    RecordRelay(String loop, Backoff backoff, WorkerMetrics metrics, Outcome outcome, LongSupplier nanoTime) {
        this(loop, backoff, metrics, outcome, nanoTime, Runnable::run);
    }

    /**
     * @param sender runs each attempt: a thread of its own keeps a send that blocks (a producer waiting up to
     *               {@code max.block.ms} for a missing topic's metadata) off the calling thread
     */
    RecordRelay(String loop, Backoff backoff, WorkerMetrics metrics, Outcome outcome, LongSupplier nanoTime,
                Executor sender) {
        this.loop = loop;
        this.sender = sender;
        this.backoff = backoff;
        this.metrics = metrics;
        this.outcome = outcome;
        this.nanoTime = nanoTime;
    }

    /** Sends a record on behalf of the consumed record at {@code partition}/{@code offset}. */
    void send(TopicPartition partition, long offset, Send send) {
        attempt(new Pending(partition, offset, send, FailureStreak.jittered(backoff), 0));
    }

    /** Sends again what failed and whose backoff has passed, for partitions still owned; poll thread only. */
    void retryDue(Predicate<TopicPartition> owned) {
        for (Pending next; (next = failed.poll()) != null; ) {
            scheduled.add(next);
        }
        long now = nanoTime.getAsLong();
        while (!scheduled.isEmpty() && scheduled.peek().dueNanos() <= now) {
            Pending due = scheduled.poll();
            if (owned.test(due.partition())) {
                attempt(due);
            } // else revoked: its new owner reads the record again and relays it itself
        }
    }

    /** Records waiting for a retry. */
    int waiting() {
        return failed.size() + scheduled.size();
    }

    private void attempt(Pending pending) {
        CompletableFuture<?> acked;
        try {
            acked = CompletableFuture.supplyAsync(() -> pending.send().attempt(), sender).thenCompose(f -> f);
        } catch (RuntimeException e) { // the sender refused it (shut down)
            acked = CompletableFuture.failedFuture(e);
        }
        acked.whenComplete((ok, error) -> {
            if (error == null) {
                outcome.done(pending.partition(), pending.offset());
            } else if (KafkaErrors.retriable(error)) {
                retryLater(pending, error);
            } else {
                giveUpOrFallBack(pending, error);
            }
        });
    }

    private void retryLater(Pending pending, Throwable error) {
        FailureStreak failures = pending.failures();
        long due = nanoTime.getAsLong() + failures.failed().toNanos();
        metrics.retried(loop);
        if (failures.worthLogging()) {
            log.warn("{} for {}@{} not acknowledged (attempt {}), retrying with backoff: {}", pending.send().describe(),
                    pending.partition(), pending.offset(), failures.count(), KafkaErrors.describe(error));
        }
        failed.add(new Pending(pending.partition(), pending.offset(), pending.send(), failures, due));
    }

    private void giveUpOrFallBack(Pending pending, Throwable error) {
        Send fallback = pending.send().fallback();
        if (fallback != null) {
            metrics.retried(loop);
            log.warn("{} for {}@{} refused for good ({}); trying {}", pending.send().describe(), pending.partition(),
                    pending.offset(), KafkaErrors.describe(error), fallback.describe());
            attempt(new Pending(pending.partition(), pending.offset(), fallback, FailureStreak.jittered(backoff), 0));
            return;
        }
        if (pending.send().takeBack()) {
            log.warn("{} for {}@{} refused for good ({}); handled here instead", pending.send().describe(),
                    pending.partition(), pending.offset(), KafkaErrors.describe(error));
            return;
        }
        log.error("{} for {}@{} refused for good ({}); giving it up, the record stays on its topic at that offset",
                pending.send().describe(), pending.partition(), pending.offset(), KafkaErrors.describe(error));
        outcome.givenUp(pending.partition(), pending.offset(), error);
    }
}
