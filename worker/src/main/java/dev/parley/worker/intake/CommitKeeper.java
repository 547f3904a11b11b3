package dev.parley.worker.intake;

import dev.parley.worker.dispatch.OffsetTracker;
import dev.parley.worker.metrics.WorkerMetrics;
import dev.parley.schemas.retry.Backoff;
import dev.parley.schemas.retry.FailureStreak;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Commits each partition's point below which every record is done. An offset counts as committed only once the
 * broker confirmed it; a failed commit is tried again after a growing backoff (counted), whether or not progress
 * moved meanwhile. Poll thread only: commit callbacks run inside {@code poll()}.
 */
final class CommitKeeper {

    private static final Logger log = LoggerFactory.getLogger(CommitKeeper.class);

    private final Consumer<String, byte[]> consumer;
    private final WorkerMetrics metrics;
    private final Duration interval;
    private final LongSupplier nanoTime;
    private final Map<TopicPartition, OffsetAndMetadata> confirmed = new HashMap<>();
    private long nextCommitNanos;
    private final FailureStreak failures;

    CommitKeeper(Consumer<String, byte[]> consumer, WorkerMetrics metrics, Duration interval, Backoff backoff,
                 LongSupplier nanoTime) {
        this.consumer = consumer;
        this.metrics = metrics;
        this.interval = interval;
        this.failures = FailureStreak.of(backoff);
        this.nanoTime = nanoTime;
        this.nextCommitNanos = nanoTime.getAsLong() + interval.toNanos();
    }

    /** Notes what the group had committed for a partition when it was assigned here. */
    void remember(TopicPartition partition, OffsetAndMetadata offset) {
        confirmed.put(partition, offset);
    }

    /** The last commit of a partition known here (read at assignment, or confirmed since), or {@code null}. */
    OffsetAndMetadata confirmed(TopicPartition partition) {
        return confirmed.get(partition);
    }

    void forget(TopicPartition partition) {
        confirmed.remove(partition);
    }

    /** Commits asynchronously what moved since the last confirmed commit, once the interval (or backoff) passed. */
    void commitIfDue(Map<TopicPartition, OffsetTracker> trackers) {
        long now = nanoTime.getAsLong();
        if (now < nextCommitNanos) {
            return;
        }
        nextCommitNanos = now + interval.toNanos();
        Map<TopicPartition, OffsetAndMetadata> offsets = committable(trackers, trackers.keySet());
        if (offsets.isEmpty()) {
            return;
        }
        consumer.commitAsync(offsets, (done, error) -> {
            if (error == null) {
                failures.succeeded();
                done.forEach((partition, offset) -> {
                    if (trackers.containsKey(partition)) { // not revoked meanwhile
                        confirmed.put(partition, offset);
                    }
                });
            } else {
                Duration wait = failures.failed();
                metrics.retried("commit");
                nextCommitNanos = Math.max(nextCommitNanos, nanoTime.getAsLong() + wait.toNanos());
                if (failures.worthLogging()) {
                    log.warn("Commit failed ({} in a row), retrying in {}: {}", failures.count(), wait,
                            error.getMessage());
                }
            }
        });
    }

    /** Commits these partitions synchronously (revocation, shutdown); a failure leaves their records to be redone. */
    void commitNow(Map<TopicPartition, OffsetTracker> trackers, Collection<TopicPartition> partitions) {
        Map<TopicPartition, OffsetAndMetadata> offsets = committable(trackers, partitions);
        if (offsets.isEmpty()) {
            return;
        }
        try {
            consumer.commitSync(offsets, Duration.ofSeconds(10));
            confirmed.putAll(offsets);
        } catch (RuntimeException e) {
            metrics.retried("commit");
            log.warn("Final commit of {} failed; their records will be redelivered (the history deduplicates them): {}",
                    partitions, e.getMessage());
        }
    }

    private Map<TopicPartition, OffsetAndMetadata> committable(Map<TopicPartition, OffsetTracker> trackers,
                                                               Collection<TopicPartition> partitions) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (TopicPartition partition : partitions) {
            OffsetTracker tracker = trackers.get(partition);
            if (tracker == null || tracker.commitPoint() < 0) {
                continue;
            }
            OffsetAndMetadata next = new OffsetAndMetadata(tracker.commitPoint(), tracker.commitMetadata());
            if (!next.equals(confirmed.get(partition))) {
                offsets.put(partition, next);
            }
        }
        return offsets;
    }
}
