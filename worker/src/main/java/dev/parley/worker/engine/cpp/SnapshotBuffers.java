package dev.parley.worker.engine.cpp;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Native buffers for sequence snapshots, reused. The first write into a fresh buffer costs the kernel a page fault
 * for every 4 KiB page: on a 2-core cloud VM (AMD EPYC, 2026-12-07) filling 86 MiB took 53 ms into a fresh buffer
 * and 11 ms into one written before, and on an H100 host a returning conversation's snapshot took 80 ms on the
 * engine thread while the device idled. A snapshot's buffer comes back here when it is restored or dropped, and the
 * next snapshot that fits it takes it.
 *
 * <p>Buffers come in size classes, eight per doubling, and a state takes an idle buffer up to a quarter larger than
 * its class. In the steady state a turn takes one buffer (the evicted conversation's snapshot) and gives one back
 * (the returning conversation's), so a few idle buffers are enough: at most {@code maxIdle} are kept, the ones given
 * back longest ago freed first, and only in what the snapshot budget leaves beside the snapshots held
 * ({@code room}, checked when a buffer comes back and before one is allocated), so snapshots and idle buffers
 * together stay within the budget but for the buffers of one store change. Thread-safe: the disk tier's writer
 * thread may be the last holder of a snapshot.
 */
final class SnapshotBuffers implements AutoCloseable {

    private static final int CLASSES_PER_DOUBLING = 8;
    private static final long PAGE = 4096;

    private final SnapshotMemory memory;
    private final int maxIdle;
    private final LongSupplier room;
    /** Oldest given back first. */
    private final List<SnapshotBuffer> idle = new ArrayList<>();
    private long idleBytes;
    private long reused;
    private long allocated;
    private boolean closed;

    /**
     * @param memory  where new buffers are allocated
     * @param maxIdle the most idle buffers kept (the engine's sequences: one turn each in flight)
     * @param room    bytes the budget leaves beside the snapshots held: what idle buffers may use
     */
    SnapshotBuffers(SnapshotMemory memory, int maxIdle, LongSupplier room) {
        this.memory = memory;
        this.maxIdle = maxIdle;
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

    /** A buffer of at least {@code size} bytes: the smallest idle one that fits without much to spare, or a new one. */
    synchronized SnapshotBuffer obtain(long size) {
        long capacity = capacityFor(size);
        int best = -1;
        for (int i = 0; i < idle.size(); i++) {
            long candidate = idle.get(i).capacity();
            if (candidate >= capacity && candidate <= capacity + capacity / 4
                    && (best < 0 || candidate < idle.get(best).capacity())) {
                best = i;
            }
        }
        if (best >= 0) {
            SnapshotBuffer buffer = idle.remove(best);
            idleBytes -= buffer.capacity();
            reused++;
            return buffer;
        }
        trimTo(maxIdle, room.getAsLong() - capacity); // the new buffer comes out of the same budget
        allocated++;
        return memory.allocate(capacity);
    }

    /** Takes a buffer back to reuse; the idle ones given back longest ago are freed past the count or the room. */
    synchronized void release(SnapshotBuffer buffer) {
        if (closed) {
            buffer.free();
            return;
        }
        idle.add(buffer);
        idleBytes += buffer.capacity();
        trimTo(maxIdle, room.getAsLong());
    }

    /** Frees idle buffers, the ones given back longest ago first, until at most {@code count} use at most {@code bytes}. */
    private void trimTo(int count, long bytes) {
        while (!idle.isEmpty() && (idle.size() > count || idleBytes > bytes)) {
            SnapshotBuffer oldest = idle.remove(0);
            idleBytes -= oldest.capacity();
            oldest.free();
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

    /** Frees the idle buffers and closes the memory; buffers released later are freed at once. */
    @Override
    public synchronized void close() {
        trimTo(0, 0);
        closed = true;
        memory.close();
    }
}
