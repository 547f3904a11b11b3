package dev.parley.worker.intake;

import dev.parley.worker.dispatch.Dispatcher;
import dev.parley.worker.dispatch.OffsetTracker;
import dev.parley.worker.dispatch.PendingTurn;
import dev.parley.worker.metrics.WorkerMetrics;
import dev.parley.schemas.retry.Backoff;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
 * skipping records that the commit metadata lists as done. Runs on the poll thread, inside {@code poll()}.
 */
final class IntakeRebalanceListener implements ConsumerRebalanceListener {

    private static final Logger log = LoggerFactory.getLogger(IntakeRebalanceListener.class);
    private static final int COMMITTED_ATTEMPTS = 3;
    private static final Duration COMMITTED_TIMEOUT = Duration.ofSeconds(10);
    private static final Backoff COMMITTED_BACKOFF = new Backoff(Duration.ofMillis(200), Duration.ofSeconds(2));

    private final PromptIntake intake;
    private final Consumer<String, byte[]> consumer;
    private final Dispatcher dispatcher;
    private final CommitKeeper commits;
    private final WorkerMetrics metrics;
    private final IntakeSettings settings;
    private final KeyPlacement placement;
    private final Set<TopicPartition> assigned;

    IntakeRebalanceListener(PromptIntake intake, Consumer<String, byte[]> consumer, Dispatcher dispatcher,
                            CommitKeeper commits, WorkerMetrics metrics, IntakeSettings settings,
                            KeyPlacement placement, Set<TopicPartition> assigned) {
        this.intake = intake;
        this.consumer = consumer;
        this.dispatcher = dispatcher;
        this.commits = commits;
        this.metrics = metrics;
        this.settings = settings;
        this.placement = placement;
        this.assigned = assigned;
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return;
        }
        List<PendingTurn> dropped = dispatcher.dropQueued(partitions);
        log.info("Partitions revoked: {}; dropped {} queued turn(s), waiting for running ones", partitions,
                dropped.size());
        intake.awaitInFlight(partitions, settings.revokeGrace());
        commits.commitNow(intake.trackers, partitions);
        forget(partitions);
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
        // Someone else owns them already: committing would be refused. Drop and move on.
        dispatcher.dropQueued(partitions);
        log.warn("Partitions lost: {}", partitions);
        forget(partitions);
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        intake.markJoined(); // called after every rebalance, also with nothing (more) to own
        if (partitions.isEmpty()) {
            return;
        }
        assigned.addAll(partitions);
        placement.refresh();
        Map<TopicPartition, OffsetAndMetadata> previous = committed(new HashSet<>(partitions));
        for (TopicPartition partition : partitions) {
            intake.trackers.put(partition, new OffsetTracker());
            OffsetAndMetadata commit = previous.get(partition);
            if (commit != null) {
                commits.remember(partition, commit);
                Set<Long> done = OffsetTracker.parseDone(commit.offset(), commit.metadata());
                if (!done.isEmpty()) {
                    intake.doneBeforeRestart.put(partition, done);
                }
            }
        }
        if (intake.paused()) {
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

    private void forget(Collection<TopicPartition> partitions) {
        for (TopicPartition partition : partitions) {
            intake.trackers.remove(partition);
            intake.doneBeforeRestart.remove(partition);
            commits.forget(partition);
            assigned.remove(partition);
        }
        intake.updateBuffered();
    }
}
