package dev.parley.worker.intake;

import dev.parley.worker.dispatch.Dispatcher;
import dev.parley.worker.dispatch.PendingTurn;
import dev.parley.worker.metrics.WorkerMetrics;
import dev.parley.schemas.retry.Backoff;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The intake's side of a rebalance: revoked partitions drop their queued turns, let running ones finish within the
 * grace and commit; lost ones are dropped at once; assigned ones start tracking from what the group committed,
 * skipping records that the commit metadata lists as done. The books are the {@link PartitionOwnership}'s: this
 * listener only tells it which partitions come and go. Runs on the poll thread, inside {@code poll()}.
 */
final class IntakeRebalanceListener implements ConsumerRebalanceListener {

    private static final Logger log = LoggerFactory.getLogger(IntakeRebalanceListener.class);
    private static final int COMMITTED_ATTEMPTS = 3;
    private static final Duration COMMITTED_TIMEOUT = Duration.ofSeconds(10);
    private static final Backoff COMMITTED_BACKOFF = new Backoff(Duration.ofMillis(200), Duration.ofSeconds(2));

    private final PartitionOwnership ledger;
    private final Consumer<String, byte[]> consumer;
    private final Dispatcher dispatcher;
    private final WorkerMetrics metrics;
    private final IntakeSettings settings;
    private final KeyPlacement placement;
    /** Whether the intake holds fetching back: partitions assigned meanwhile start paused too. */
    private final BooleanSupplier paused;

    IntakeRebalanceListener(PartitionOwnership ledger, Consumer<String, byte[]> consumer, Dispatcher dispatcher,
                            WorkerMetrics metrics, IntakeSettings settings, KeyPlacement placement,
                            BooleanSupplier paused) {
        this.ledger = ledger;
        this.consumer = consumer;
        this.dispatcher = dispatcher;
        this.metrics = metrics;
        this.settings = settings;
        this.placement = placement;
        this.paused = paused;
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return;
        }
        List<PendingTurn> dropped = dispatcher.dropQueued(partitions);
        log.info("Partitions revoked: {}; dropped {} queued turn(s), waiting for running ones", partitions,
                dropped.size());
        ledger.settle(partitions, settings.revokeGrace());
        ledger.giveBack(partitions);
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
        // Someone else owns them already: committing would be refused. Drop and move on.
        dispatcher.dropQueued(partitions);
        log.warn("Partitions lost: {}", partitions);
        ledger.giveBack(partitions);
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        ledger.joined(); // called after every rebalance, also with nothing (more) to own
        if (partitions.isEmpty()) {
            return;
        }
        placement.refresh();
        Map<TopicPartition, OffsetAndMetadata> previous = committed(new HashSet<>(partitions));
        for (TopicPartition partition : partitions) {
            ledger.take(partition, previous.get(partition));
        }
        if (paused.getAsBoolean()) {
            consumer.pause(partitions);
        }
        log.info("Partitions assigned: {}", partitions);
    }

    /**
     * The group's committed offsets, asked a few times with a pause; without an answer the partitions start without
     * the done-above-commit list, which only means redoing records that the history then deduplicates.
     */
    private Map<TopicPartition, OffsetAndMetadata> committed(Set<TopicPartition> partitions) {
        for (int attempt = 1; ; attempt++) {
            try {
                Map<TopicPartition, OffsetAndMetadata> answer = consumer.committed(partitions, COMMITTED_TIMEOUT);
                return answer == null ? Map.of() : answer;
            } catch (WakeupException e) {
                throw e;
            } catch (RuntimeException e) {
                metrics.retried("rebalance");
                if (attempt >= COMMITTED_ATTEMPTS) {
                    log.warn("Could not read committed offsets of {} ({} attempts): {}; records done before a restart "
                            + "will be redone and deduplicated", partitions, attempt, e.getMessage());
                    return Map.of();
                }
                try {
                    Thread.sleep(COMMITTED_BACKOFF.delay(attempt).toMillis()); // backoff inside a rebalance callback
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return Map.of();
                }
            }
        }
    }
}
