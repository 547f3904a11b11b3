package dev.parley.worker.engine.cpp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class SnapshotBuffersTest {

    private static final long PLENTY = 1L << 30;

    @Test
    void buffersComeInClassesOfAtMostAnEighthMoreThanTheState() {
        assertThat(SnapshotBuffers.capacityFor(1)).isEqualTo(4096);
        assertThat(SnapshotBuffers.capacityFor(4096)).isEqualTo(4096);
        assertThat(SnapshotBuffers.capacityFor(4097)).isEqualTo(8192);
        assertThat(SnapshotBuffers.capacityFor(1L << 20)).isEqualTo(1L << 20);
        assertThat(SnapshotBuffers.capacityFor((1L << 20) + 1)).isEqualTo((1L << 20) + (1L << 17));
        for (long size = 1000; size < (1L << 34); size = size * 3 / 2 + 7) {
            long capacity = SnapshotBuffers.capacityFor(size);
            assertThat(capacity).isGreaterThanOrEqualTo(size).isLessThan(size + Math.max(size / 8, 4096)); // a page at least
        }
        assertThatThrownBy(() -> SnapshotBuffers.capacityFor(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aReleasedBufferIsHandedToTheNextStateThatFitsItWithoutMuchToSpare() {
        try (SnapshotBuffers buffers = new SnapshotBuffers(SnapshotMemory.HOST, 4, () -> PLENTY)) {
            SnapshotBuffer first = buffers.obtain(1_000_000);
            buffers.release(first);
            assertThat(buffers.idleBytes()).isEqualTo(first.capacity());

            SnapshotBuffer tooLarge = buffers.obtain(first.capacity() * 3 / 4); // would waste a quarter: a new one
            SnapshotBuffer again = buffers.obtain(first.capacity() * 9 / 10);

            assertThat(tooLarge).isNotSameAs(first);
            assertThat(again).isSameAs(first);
            assertThat(buffers.reused()).isEqualTo(1);
            assertThat(buffers.allocated()).isEqualTo(2);
            assertThat(buffers.idleBytes()).isZero();
        }
    }

    @Test
    void theSmallestIdleBufferThatFitsIsTaken() {
        try (SnapshotBuffers buffers = new SnapshotBuffers(SnapshotMemory.HOST, 4, () -> PLENTY)) {
            SnapshotBuffer larger = buffers.obtain(1_200_000);
            SnapshotBuffer smaller = buffers.obtain(1_050_000);
            buffers.release(larger);
            buffers.release(smaller);

            assertThat(buffers.obtain(1_040_000)).isSameAs(smaller);
        }
    }

    @Test
    void atMostMaxIdleBuffersAreKeptAndTheOnesGivenBackLongestAgoGoFirst() {
        try (SnapshotBuffers buffers = new SnapshotBuffers(SnapshotMemory.HOST, 2, () -> PLENTY)) {
            SnapshotBuffer a = buffers.obtain(8192);
            SnapshotBuffer b = buffers.obtain(8192);
            SnapshotBuffer c = buffers.obtain(8192);
            buffers.release(a);
            buffers.release(b);
            buffers.release(c);

            assertThat(a.freed()).isTrue();
            assertThat(b.freed() || c.freed()).isFalse();
            assertThat(buffers.idleBytes()).isEqualTo(2 * 8192);
        }
    }

    @Test
    void idleBuffersUseOnlyWhatTheBudgetLeavesAndAreFreedBeyondIt() {
        AtomicLong room = new AtomicLong(20_000);
        try (SnapshotBuffers buffers = new SnapshotBuffers(SnapshotMemory.HOST, 8, room::get)) {
            SnapshotBuffer a = buffers.obtain(8192);
            SnapshotBuffer b = buffers.obtain(8192);
            SnapshotBuffer c = buffers.obtain(8192);
            buffers.release(a);
            buffers.release(b);
            buffers.release(c); // three would pass the room left: the oldest goes

            assertThat(buffers.idleBytes()).isEqualTo(16_384);
            assertThat(a.freed()).isTrue();

            room.set(10_000); // snapshots took more of the budget: a new buffer first frees idle ones
            buffers.obtain(9000);
            assertThat(buffers.idleBytes()).isZero();
            assertThat(b.freed() && c.freed()).isTrue();
        }
    }

    @Test
    void closingFreesTheIdleBuffersAndThoseReleasedLater() {
        SnapshotBuffers buffers = new SnapshotBuffers(SnapshotMemory.HOST, 4, () -> PLENTY);
        SnapshotBuffer idle = buffers.obtain(5000);
        SnapshotBuffer held = buffers.obtain(50_000);
        buffers.release(idle);

        buffers.close();
        buffers.release(held); // the disk tier's writer may let go after the engine closed

        assertThat(idle.freed()).isTrue();
        assertThat(held.freed()).isTrue();
        assertThat(buffers.idleBytes()).isZero();
    }
}
