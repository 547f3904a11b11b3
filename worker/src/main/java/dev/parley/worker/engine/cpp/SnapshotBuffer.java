package dev.parley.worker.engine.cpp;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;

/**
 * Native memory that holds one sequence snapshot: plain host memory, or page-locked memory from a GPU backend
 * ({@link PinnedMemory}). Freed once, by whoever frees it first.
 */
final class SnapshotBuffer {

    private final Pointer pointer;
    private final long capacity;
    private final Runnable free;
    private boolean freed;

    SnapshotBuffer(Pointer pointer, long capacity, Runnable free) {
        this.pointer = pointer;
        this.capacity = capacity;
        this.free = free;
    }

    /** Plain host memory of {@code capacity} bytes. */
    static SnapshotBuffer host(long capacity) {
        return of(new Memory(capacity));
    }

    /** Wraps memory allocated elsewhere (a snapshot file read from disk); freeing it closes it. */
    static SnapshotBuffer of(Memory memory) {
        return new SnapshotBuffer(memory, memory.size(), memory::close);
    }

    Pointer pointer() {
        return pointer;
    }

    long capacity() {
        return capacity;
    }

    synchronized void free() {
        if (!freed) {
            freed = true;
            free.run();
        }
    }

    synchronized boolean freed() {
        return freed;
    }
}
