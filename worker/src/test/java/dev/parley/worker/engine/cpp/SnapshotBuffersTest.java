package dev.parley.worker.engine.cpp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class SnapshotBuffersTest {

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
    void aReleasedBufferIsHandedToTheNextStateOfItsClass() {
        try (SnapshotBuffers buffers = new SnapshotBuffers(SnapshotMemory.HOST, () -> 1L << 30)) {
            SnapshotBuffer first = buffers.obtain(100_000);
            buffers.release(first);
            assertThat(buffers.idleBytes()).isEqualTo(first.capacity());

            SnapshotBuffer again = buffers.obtain(first.capacity() - 10);
            SnapshotBuffer other = buffers.obtain(3 * first.capacity()); // another class: a new buffer

            assertThat(again).isSameAs(first);
            assertThat(other).isNotSameAs(first);
            assertThat(buffers.reused()).isEqualTo(1);
            assertThat(buffers.allocated()).isEqualTo(2);
            assertThat(buffers.idleBytes()).isZero();
        }
    }

    @Test
    void idleBuffersUseOnlyWhatTheBudgetLeavesAndAreFreedBeyondIt() {
        AtomicLong room = new AtomicLong(20_000);
        try (SnapshotBuffers buffers = new SnapshotBuffers(SnapshotMemory.HOST, room::get)) {
            SnapshotBuffer a = buffers.obtain(8192);
            SnapshotBuffer b = buffers.obtain(8192);
            SnapshotBuffer c = buffers.obtain(8192);
            buffers.release(a);
            buffers.release(b);
            buffers.release(c); // a third would pass the room left

            assertThat(buffers.idleBytes()).isEqualTo(16_384);
            assertThat(c.freed()).isTrue();

            room.set(10_000); // snapshots took more of the budget: a new buffer first frees idle ones
            SnapshotBuffer big = buffers.obtain(9000);
            assertThat(buffers.idleBytes()).isLessThanOrEqualTo(Math.max(0, 10_000 - big.capacity()));
            assertThat(a.freed() || b.freed()).isTrue();
        }
    }

    @Test
    void closingFreesTheIdleBuffersAndThoseReleasedLater() {
        SnapshotBuffers buffers = new SnapshotBuffers(SnapshotMemory.HOST, () -> 1L << 30);
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
