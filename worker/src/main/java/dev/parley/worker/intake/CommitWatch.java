package dev.parley.worker.intake;

import dev.parley.worker.dispatch.OffsetTracker;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import org.apache.kafka.common.TopicPartition;

/**
 * Watches each partition's commit point for the health check: since when it has not moved while records are pending
 * at or above it. A record that never completes (lost by a bug, a send that never gets through) holds its partition's
 * commit for good without stopping the poll loop; this is what tells. Updated by the poll thread each round, read by
 * the health thread.
 */
public final class CommitWatch {

    private record Seen(long commitPoint, long sinceNanos) {
    }

    private final LongSupplier nanoTime;
    private final Map<TopicPartition, Seen> seen = new HashMap<>();
    private volatile boolean waiting;
    private volatile long oldestSinceNanos;
    private volatile String oldest = "";

    CommitWatch(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
        this.oldestSinceNanos = nanoTime.getAsLong();
    }

    /** Notes each partition's commit point now; poll thread only. */
    void update(Map<TopicPartition, OffsetTracker> trackers) {
        long now = nanoTime.getAsLong();
        seen.keySet().retainAll(trackers.keySet());
        TopicPartition stuck = null;
        long stuckSince = now;
        for (Map.Entry<TopicPartition, OffsetTracker> entry : trackers.entrySet()) {
            OffsetTracker tracker = entry.getValue();
            if (tracker.pendingCount() == 0) {
                seen.remove(entry.getKey());
                continue;
            }
            Seen last = seen.get(entry.getKey());
            if (last == null || last.commitPoint() != tracker.commitPoint()) {
                last = new Seen(tracker.commitPoint(), now);
                seen.put(entry.getKey(), last);
            }
            if (stuck == null || last.sinceNanos() < stuckSince) {
                stuck = entry.getKey();
                stuckSince = last.sinceNanos();
            }
        }
        oldest = stuck == null ? "" : stuck + " held at offset " + seen.get(stuck).commitPoint();
        oldestSinceNanos = stuckSince;
        waiting = stuck != null;
    }

    /** Whether some partition has records pending (its commit point is waiting for them). */
    public boolean waiting() {
        return waiting;
    }

    /** {@link System#nanoTime()} since when the longest-waiting partition's commit point has not moved. */
    public long oldestSinceNanos() {
        return oldestSinceNanos;
    }

    /** That partition and its commit point, for the health report ("" when none waits). */
    public String oldest() {
        return oldest;
    }
}
