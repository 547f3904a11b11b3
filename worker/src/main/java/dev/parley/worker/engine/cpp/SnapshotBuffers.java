package dev.parley.worker.engine.cpp;

import java.util.ArrayDeque;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * Native buffers for sequence snapshots, reused. The first write into a fresh buffer costs the kernel a page fault
 * for every 4 KiB page: on a 2-core cloud VM (AMD EPYC, 2026-12-07) filling 86 MiB took 53 ms into a fresh buffer
 * and 11 ms into one written before, and on an H100 host a returning conversation's snapshot took 80 ms on the
 * engine thread while the device idled. A snapshot's buffer comes back here when it is restored or dropped, and the
 * next snapshot of about its size takes it.
 *
 * <p>Buffers come in size classes, eight per doubling, so a buffer is at most an eighth larger than the state it holds
 * and conversations of similar length share a class. Idle buffers only use what the snapshot budget leaves beside
 * the snapshots held ({@code room}), so snapshots and idle buffers together stay within the budget. Thread-safe: the
 * disk tier's writer thread may be the last holder of a snapshot.
 */
final class SnapshotBuffers implements AutoCloseable {

    private static final int CLASSES_PER_DOUBLING = 8;
    private static final long PAGE = 4096;

    private final SnapshotMemory memory;
    private final LongSupplier room;
    private final TreeMap<Long, ArrayDeque<SnapshotBuffer>> idle = new TreeMap<>();
    private long idleBytes;
    private long reused;
    private long allocated;
    private boolean closed;

    /**
     * @param memory where new buffers are allocated
     * @param room   bytes the budget leaves beside the snapshots held: what idle buffers may use
     */
    SnapshotBuffers(SnapshotMemory memory, LongSupplier room) {
        this.memory = memory;
        this.room = room;
    }

    /** The buffer size for a state of {@code size} bytes: rounded up to its class. */
    static long capacityFor(long size) {
        if (size <= 0) {
            throw new IllegalArgumentException("a snapshot buffer must hold at least one byte, got " + size);
        }
        long step = Math.max(Long.highestOneBit(size) / CLASSES_PER_DOUBLING, PAGE);
        return (size + step - 1) / step * step;
    }

    /** A buffer of at least {@code size} bytes: an idle one of its class, or a new one. */
    synchronized SnapshotBuffer obtain(long size) {
        long capacity = capacityFor(size);
        ArrayDeque<SnapshotBuffer> same = idle.get(capacity);
        if (same != null) {
            SnapshotBuffer buffer = same.pop();
            if (same.isEmpty()) {
                idle.remove(capacity);
            }
            idleBytes -= capacity;
            reused++;
            return buffer;
        }
        trimTo(room.getAsLong() - capacity); // the new buffer comes out of the same budget
        allocated++;
        return memory.allocate(capacity);
    }

    /** Takes a buffer back: kept for reuse while the budget has room for it, freed otherwise. */
    synchronized void release(SnapshotBuffer buffer) {
        if (closed || idleBytes + buffer.capacity() > room.getAsLong()) {
            buffer.free();
            return;
        }
        idle.computeIfAbsent(buffer.capacity(), size -> new ArrayDeque<>()).push(buffer);
        idleBytes += buffer.capacity();
    }

    /** Frees idle buffers, the largest first, until they use at most {@code bytes}. */
    private void trimTo(long bytes) {
        while (idleBytes > Math.max(bytes, 0) && !idle.isEmpty()) {
            Map.Entry<Long, ArrayDeque<SnapshotBuffer>> largest = idle.lastEntry();
            largest.getValue().pop().free();
            idleBytes -= largest.getKey();
            if (largest.getValue().isEmpty()) {
                idle.remove(largest.getKey());
            }
        }
    }

    synchronized long idleBytes() {
        return idleBytes;
    }

    /** Buffers handed out again rather than allocated. */
    synchronized long reused() {
        return reused;
    }

    synchronized long allocated() {
        return allocated;
    }

    /** Frees the idle buffers; buffers released later are freed at once. */
    @Override
    public synchronized void close() {
        trimTo(0);
        closed = true;
    }
}
