package dev.parley.worker.intake;

import dev.parley.worker.dispatch.Dispatcher;
import dev.parley.worker.dispatch.OffsetTracker;
import dev.parley.worker.dispatch.PendingTurn;
import java.time.Duration;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The intake's books, per partition it owns: which records are read and which done (an {@link OffsetTracker} each),
 * the records a commit before a restart listed as done, and how many records are buffered in all. The poll loop reads
 * and marks records here; a rebalance changes what is owned only through {@link PartitionOwnership}. Poll thread only,
 * except the volatile views ({@link #buffered()}, {@link #assignment()}, {@link #hasJoined()}).
 */
final class PartitionLedger implements PartitionOwnership {

    private static final Logger log = LoggerFactory.getLogger(PartitionLedger.class);
    private static final long DRAIN_WAIT_MS = 20;

    private final CompletionChannel completions;
    private final CommitKeeper commits;
    private final Dispatcher dispatcher;
    private final Map<TopicPartition, OffsetTracker> trackers = new HashMap<>();
    private final Map<TopicPartition, OffsetTracker> trackersView = Collections.unmodifiableMap(trackers);
    private final Map<TopicPartition, Set<Long>> doneBeforeRestart = new HashMap<>();
    /** What {@link #assignment()} reports to other threads. */
    private final Set<TopicPartition> assigned = ConcurrentHashMap.newKeySet();
    private volatile int buffered;
    private volatile boolean joined;

    PartitionLedger(CompletionChannel completions, CommitKeeper commits, Dispatcher dispatcher) {
        this.completions = completions;
        this.commits = commits;
        this.dispatcher = dispatcher;
    }

    @Override
    public void joined() {
        joined = true;
    }

    @Override
    public void take(TopicPartition partition, OffsetAndMetadata committed) {
        trackers.put(partition, new OffsetTracker());
        if (committed != null) {
            commits.remember(partition, committed);
            Set<Long> done = OffsetTracker.parseDone(committed.offset(), committed.metadata());
            if (!done.isEmpty()) {
                doneBeforeRestart.put(partition, done);
            }
        }
        assigned.add(partition);
    }

    @Override
    public void settle(Collection<TopicPartition> partitions, Duration grace) {
        awaitInFlight(partitions, grace);
        commits.commitNow(trackers, partitions);
    }

    @Override
    public void giveBack(Collection<TopicPartition> partitions) {
        for (TopicPartition partition : partitions) {
            trackers.remove(partition);
            doneBeforeRestart.remove(partition);
            commits.forget(partition);
            assigned.remove(partition);
        }
        countBuffered();
    }

    /** The tracker of a partition, made on first use. */
    OffsetTracker tracker(TopicPartition partition) {
        return trackers.computeIfAbsent(partition, p -> new OffsetTracker());
    }

    /** Whether a commit before a restart listed this record as done; it is crossed off the list when it was. */
    boolean doneBeforeRestart(TopicPartition partition, long offset) {
        Set<Long> skip = doneBeforeRestart.get(partition);
        return skip != null && skip.remove(offset);
    }

    /** Every tracker, read-only: for commits, the commit watch and the search for an unreadable record. */
    Map<TopicPartition, OffsetTracker> trackers() {
        return trackersView;
    }

    /** The partitions tracked now (a copy). */
    Set<TopicPartition> owned() {
        return new HashSet<>(trackers.keySet());
    }

    /** Applies done reports; waits up to {@code waitMs} for the first one. */
    void applyCompletions(long waitMs) {
        try {
            CompletionChannel.Done done = completions.next(waitMs);
            while (done != null) {
                OffsetTracker tracker = trackers.get(done.partition());
                if (tracker != null) { // else the partition was given back: its next owner redoes the record
                    tracker.markDone(done.offset());
                }
                done = completions.next(0);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        countBuffered();
    }

    void countBuffered() {
        int total = 0;
        for (OffsetTracker tracker : trackers.values()) {
            total += tracker.pendingCount();
        }
        buffered = total;
    }

    /** Records read and not yet done; any thread. */
    int buffered() {
        return buffered;
    }

    /** Partitions owned now; any thread. */
    Set<TopicPartition> assignment() {
        return Set.copyOf(assigned);
    }

    boolean isAssigned(TopicPartition partition) {
        return assigned.contains(partition);
    }

    /** Whether the consumer has joined its group; any thread. */
    boolean hasJoined() {
        return joined;
    }

    /** Waits, applying done reports, until no turn of these partitions runs or the grace period ends. */
    private void awaitInFlight(Collection<TopicPartition> partitions, Duration grace) {
        long deadline = System.nanoTime() + grace.toNanos();
        while (dispatcher.inFlight(partitions) > 0 && System.nanoTime() < deadline) {
            applyCompletions(DRAIN_WAIT_MS);
        }
        applyCompletions(0);
        List<PendingTurn> left = dispatcher.running(partitions);
        if (!left.isEmpty()) {
            log.warn("{} turn(s) still running after {}: {}; their records stay uncommitted and will be redelivered "
                    + "(the history deduplicates them)", left.size(), grace, Dispatcher.describe(left));
        }
    }
}
