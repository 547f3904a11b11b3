package dev.parley.worker.engine.cpp;

/** Where snapshot buffers are allocated ({@link SnapshotBuffers} reuses them). */
interface SnapshotMemory extends AutoCloseable {

    /** Plain host memory: what the CPU backend reads and writes in place. */
    SnapshotMemory HOST = SnapshotBuffer::host;

    SnapshotBuffer allocate(long capacity);

    /** Frees what this memory holds beside the buffers handed out; nothing by default. */
    @Override
    default void close() {
    }
}
