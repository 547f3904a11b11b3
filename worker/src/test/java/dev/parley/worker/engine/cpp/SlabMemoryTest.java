package dev.parley.worker.engine.cpp;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.jna.Pointer;
import dev.parley.worker.EngineExtension;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SlabMemoryTest {

    private static final long MIB = 1L << 20;

    /** Plain memory that counts what it allocated and what of it is still held. */
    private static final class CountingMemory implements SnapshotMemory {
        final List<SnapshotBuffer> allocated = new ArrayList<>();

        @Override
        public SnapshotBuffer allocate(long capacity) {
            SnapshotBuffer buffer = SnapshotBuffer.host(capacity);
            allocated.add(buffer);
            return buffer;
        }

        long held() {
            return allocated.stream().filter(b -> !b.freed()).mapToLong(SnapshotBuffer::capacity).sum();
        }
    }

    @Test
    void snapshotsOfGrowingSizesShareOneSlabAndReuseWhatTheOthersGaveBack() {
        CountingMemory source = new CountingMemory();
        try (SlabMemory slabs = new SlabMemory(source, 64 * MIB, 1L << 30)) {
            List<SnapshotBuffer> live = new ArrayList<>();
            for (int turn = 1; turn <= 40; turn++) { // each snapshot a little larger, the oldest given back
                live.add(slabs.allocate(turn * 100_000L));
                if (live.size() > 5) {
                    live.remove(0).free();
                }
            }

            assertThat(slabs.slabsAllocated()).isEqualTo(1);
            assertThat(slabs.carved()).isEqualTo(40);
            assertThat(source.allocated).hasSize(1);
            assertThat(live).allSatisfy(b -> assertThat(b.capacity() % SlabMemory.ALIGN).isZero());
        }
    }

    @Test
    void buffersOfOneSlabDoNotOverlapAndHoldWhatIsWritten() {
        try (SlabMemory slabs = new SlabMemory(new CountingMemory(), 16 * MIB, 1L << 30)) {
            List<SnapshotBuffer> buffers = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                SnapshotBuffer buffer = slabs.allocate(MIB + i * 1000L);
                buffer.pointer().setMemory(0, buffer.capacity(), (byte) i);
                buffers.add(buffer);
            }
            for (int i = 0; i < buffers.size(); i++) {
                Pointer p = buffers.get(i).pointer();
                assertThat(p.getByte(0)).isEqualTo((byte) i);
                assertThat(p.getByte(buffers.get(i).capacity() - 1)).isEqualTo((byte) i);
            }
            assertThat(slabs.slabsAllocated()).isEqualTo(1);
        }
    }

    @Test
    void aSnapshotLargerThanAQuarterOfTheSlabGetsASlabOfFourTimesItsSize() {
        CountingMemory source = new CountingMemory();
        try (SlabMemory slabs = new SlabMemory(source, 16 * MIB, 1L << 30)) {
            slabs.allocate(2 * MIB);
            slabs.allocate(20 * MIB); // does not fit the first slab's 14 MiB left

            assertThat(source.allocated).extracting(SnapshotBuffer::capacity).containsExactly(16 * MIB, 80 * MIB);
        }
    }

    @Test
    void slabsStayWithinTheLimitAndPastItBuffersComeStraightFromTheSource() {
        CountingMemory source = new CountingMemory();
        try (SlabMemory slabs = new SlabMemory(source, 16 * MIB, 64 * MIB)) {
            for (int i = 0; i < 4; i++) {
                slabs.allocate(12 * MIB); // one slab of 48 MiB holds four
            }
            SnapshotBuffer fifth = slabs.allocate(12 * MIB); // a second slab would pass 64 MiB

            assertThat(slabs.slabsAllocated()).isEqualTo(1);
            assertThat(slabs.direct()).isEqualTo(1);
            assertThat(slabs.slabBytesHeld()).isEqualTo(48 * MIB);
            fifth.free();
            assertThat(source.held()).isEqualTo(48 * MIB);
        }
    }

    @Test
    void oneEmptySlabIsKeptAndTheRestFreedAndCloseFreesThemAll() {
        CountingMemory source = new CountingMemory();
        SlabMemory slabs = new SlabMemory(source, 16 * MIB, 1L << 30);
        List<SnapshotBuffer> buffers = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            buffers.add(slabs.allocate(4 * MIB)); // three slabs of four
        }
        assertThat(slabs.slabsAllocated()).isEqualTo(3);

        buffers.subList(0, 8).forEach(SnapshotBuffer::free);
        assertThat(slabs.slabBytesHeld()).as("the first slab kept empty, the second freed").isEqualTo(32 * MIB);
        slabs.close();
        assertThat(source.held()).as("the third slab stays while its buffers do").isEqualTo(16 * MIB);
        buffers.subList(8, 12).forEach(SnapshotBuffer::free);
        assertThat(source.held()).isZero();
    }

    @Test
    void aSmallBudgetGetsSlabsOfAQuarterOfIt() {
        CountingMemory source = new CountingMemory();
        try (SlabMemory slabs = new SlabMemory(source, 256 * MIB, 40 * MIB)) {
            slabs.allocate(MIB);

            assertThat(source.allocated).extracting(SnapshotBuffer::capacity).containsExactly(10 * MIB);
        }
    }

    /**
     * Run 9's warm workload on paper: 128 conversations take 6 turns in a shuffled order on 32 sequences, each turn
     * adding 850 tokens of 32 KiB (the 1B model's KV in F16); a returning conversation's snapshot is freed, the
     * sequence's last holder is snapshotted. Every snapshot is larger than the ones its turn frees, so a buffer given
     * back rarely fits the next (SnapshotBuffers reuses about a quarter). Addresses only: no memory is touched.
     */
    @Test
    void aWarmWorkloadsGrowingSnapshotsComeFromAFewSlabsHeldWithinTwiceTheirPeak() {
        long budget = 32L << 30;
        List<Long> sourceAllocations = new ArrayList<>();
        SnapshotMemory addresses = capacity -> {
            long address = (1L << 40) + sourceAllocations.stream().mapToLong(Long::longValue).sum();
            sourceAllocations.add(capacity);
            return new SnapshotBuffer(new Pointer(address), capacity, () -> { });
        };
        SlabMemory slabs = new SlabMemory(addresses, SlabMemory.SLAB_BYTES, budget);
        long[] live = {0};
        long peak = 0;
        int evictions = 0;
        SnapshotBuffers buffers = new SnapshotBuffers(slabs, 32, () -> budget - live[0]);
        Map<Integer, SnapshotBuffer> snapshots = new HashMap<>();
        Deque<Integer> sequences = new ArrayDeque<>();
        int[] tokens = new int[128];
        List<Integer> order = new ArrayList<>();
        for (int c = 0; c < 128; c++) {
            order.add(c);
        }
        Random random = new Random(9);
        for (int turn = 1; turn <= 6; turn++) {
            Collections.shuffle(order, random);
            for (int c : order) {
                SnapshotBuffer restored = snapshots.remove(c);
                if (restored != null) {
                    live[0] -= restored.capacity();
                    buffers.release(restored);
                }
                if (!sequences.remove((Integer) c) && sequences.size() == 32) {
                    int evicted = sequences.removeFirst();
                    evictions++;
                    SnapshotBuffer snapshot = buffers.obtain(SnapshotBuffers.capacityFor(tokens[evicted] * 32768L));
                    live[0] += snapshot.capacity();
                    peak = Math.max(peak, live[0]);
                    snapshots.put(evicted, snapshot);
                }
                tokens[c] = turn * 850;
                sequences.addLast(c);
            }
        }

        long fromSlabs = slabs.carved();
        assertThat(evictions).isGreaterThan(600);
        assertThat(fromSlabs + buffers.reused()).isEqualTo(evictions);
        assertThat(slabs.direct()).isZero();
        assertThat(slabs.slabsAllocated()).as("allocations: one per slab, not one per snapshot")
                .isLessThan(fromSlabs / 5);
        assertThat(slabs.slabBytesHeld()).isLessThan(2 * peak);
    }

    @Test
    void slabsOfPageLockedMemoryComeFromAGgmlBufferType() {
        GgmlLib ggml = NativeLibrary.load(EngineExtension.libraries()).ggml();
        Pointer bufferType = ggml.ggml_backend_dev_buffer_type(ggml.ggml_backend_dev_by_type(GgmlLib.DEVICE_CPU));
        try (SlabMemory slabs = new SlabMemory(PinnedMemory.ofBufferType(ggml, bufferType, "CPU"), 8 * MIB, 1L << 30)) {
            SnapshotBuffer first = slabs.allocate(MIB);
            SnapshotBuffer second = slabs.allocate(MIB);
            second.pointer().setInt(0, 42);

            assertThat(Pointer.nativeValue(second.pointer()) - Pointer.nativeValue(first.pointer())).isEqualTo(MIB);
            assertThat(second.pointer().getInt(0)).isEqualTo(42);
            first.free();
            second.free();
        }
    }
}
