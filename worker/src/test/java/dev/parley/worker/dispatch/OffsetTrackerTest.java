package dev.parley.worker.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class OffsetTrackerTest {

    @Test
    void nothingToCommitBeforeTheFirstRecord() {
        assertThat(new OffsetTracker().commitPoint()).isEqualTo(-1);
    }

    @Test
    void commitPointStopsAtTheFirstRecordNotDone() {
        OffsetTracker tracker = new OffsetTracker();
        for (long offset = 10; offset < 15; offset++) {
            tracker.track(offset);
        }
        tracker.markDone(11);
        tracker.markDone(13);
        assertThat(tracker.commitPoint()).isEqualTo(10);
        assertThat(tracker.doneAboveCommitPoint()).containsExactly(11L, 13L);

        tracker.markDone(10);
        assertThat(tracker.commitPoint()).isEqualTo(12);
        assertThat(tracker.doneAboveCommitPoint()).containsExactly(13L);

        tracker.markDone(12);
        tracker.markDone(14);
        assertThat(tracker.commitPoint()).isEqualTo(15);
        assertThat(tracker.pendingCount()).isZero();
        assertThat(tracker.commitMetadata()).isEmpty();
    }

    @Test
    void gapsInOffsetsAreFine() {
        OffsetTracker tracker = new OffsetTracker();
        tracker.track(3);
        tracker.track(7); // compacted or transaction markers in between
        tracker.markDone(7);
        assertThat(tracker.commitPoint()).isEqualTo(3);
        tracker.markDone(3);
        assertThat(tracker.commitPoint()).isEqualTo(8);
    }

    @Test
    void metadataRoundTripsTheDoneOffsetsAboveTheCommitPoint() {
        OffsetTracker tracker = new OffsetTracker();
        for (long offset = 100; offset < 110; offset++) {
            tracker.track(offset);
        }
        tracker.markDone(102);
        tracker.markDone(109);

        String metadata = tracker.commitMetadata();

        assertThat(OffsetTracker.parseDone(tracker.commitPoint(), metadata)).containsExactly(102L, 109L);
        assertThat(OffsetTracker.parseDone(100, "something else")).isEmpty();
        assertThat(OffsetTracker.parseDone(100, "parley-done:v1:x")).isEmpty();
    }

    @Test
    void metadataStaysWithinTheBrokerLimit() {
        OffsetTracker tracker = new OffsetTracker();
        tracker.track(0);
        for (long offset = 1; offset < 5000; offset++) {
            tracker.track(offset * 1000);
            tracker.markDone(offset * 1000);
        }
        assertThat(tracker.commitMetadata().length()).isLessThanOrEqualTo(OffsetTracker.MAX_METADATA_CHARS);
        assertThat(OffsetTracker.parseDone(0, tracker.commitMetadata())).isNotEmpty().allMatch(o -> o % 1000 == 0);
    }

    @Test
    void unknownOffsetsAreIgnoredAndARecordReadAgainIsRefusedWithoutThrowing() {
        OffsetTracker tracker = new OffsetTracker();
        assertThat(tracker.track(5)).isTrue();
        tracker.markDone(99);
        assertThat(tracker.commitPoint()).isEqualTo(5);
        // a reset position delivers offsets again: they are in flight (5) or done (4 and below), never tracked twice
        assertThat(tracker.track(4)).isFalse();
        assertThat(tracker.track(5)).isFalse();
        assertThat(tracker.pendingCount()).isEqualTo(1);
        assertThat(tracker.track(6)).isTrue();
        assertThat(tracker.pendingCount()).isEqualTo(2);
    }
}
