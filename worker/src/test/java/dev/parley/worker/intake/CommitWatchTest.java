package dev.parley.worker.intake;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.worker.dispatch.OffsetTracker;
import dev.parley.worker.health.HealthMonitor;
import dev.parley.worker.health.WatchedPart;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * M4 on the worker side: a partition whose commit point has not moved for the stall timeout while a record below it
 * is pending makes the "commits" part unhealthy, naming the partition and offset; an idle partition, or one whose
 * commit keeps moving, does not.
 */
class CommitWatchTest {

    private static final TopicPartition P0 = new TopicPartition("prompts", 0);
    private static final TopicPartition P1 = new TopicPartition("prompts", 1);

    private final AtomicLong now = new AtomicLong();
    private final CommitWatch watch = new CommitWatch(now::get);
    private final HealthMonitor monitor = new HealthMonitor(Duration.ofSeconds(10), Duration.ofSeconds(5), now::get)
            .watch(new WatchedPart("commits", () -> true, watch::waiting, watch::oldestSinceNanos, watch::oldest));
    private final OffsetTracker p0 = new OffsetTracker();
    private final OffsetTracker p1 = new OffsetTracker();
    private final Map<TopicPartition, OffsetTracker> trackers = Map.of(P0, p0, P1, p1);

    private void advance(long seconds) {
        now.addAndGet(Duration.ofSeconds(seconds).toNanos());
        watch.update(trackers);
    }

    @Test
    void aCommitHeldWhileRecordsWaitIsReportedWithItsPartition() {
        for (long offset = 0; offset < 5; offset++) {
            p0.track(offset);
            p1.track(offset);
        }
        p0.markDone(0);
        watch.update(trackers);
        for (int second = 0; second < 8; second++) {
            advance(2); // P1 keeps moving; P0 stays held at offset 1
            p1.markDone(second % 5);
        }
        assertThat(monitor.check().healthy()).isFalse();
        assertThat(monitor.check().problems()).startsWith("commits: no progress for 16 s")
                .endsWith("prompts-0 held at offset 1");

        p0.markDone(1);
        advance(1);
        assertThat(monitor.check().healthy()).as("it moved").isTrue();
    }

    @Test
    void aPartitionWithNothingPendingIsNeverStuck() {
        p0.track(0);
        p0.markDone(0);
        advance(60);
        assertThat(watch.waiting()).isFalse();
        assertThat(monitor.check().healthy()).isTrue();
    }
}
