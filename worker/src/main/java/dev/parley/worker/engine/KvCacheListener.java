package dev.parley.worker.engine;

/** Told of each KV snapshot taken or restored, for timing histograms. Keep it quick. */
public interface KvCacheListener {

    /** A host-RAM snapshot was taken, on the engine's thread. */
    void snapshotSaved(long nanos);

    /** A host-RAM snapshot was copied back into a sequence, on the engine's thread. */
    void snapshotRestored(long nanos);

    /** A snapshot file was written (and forced to the device), on the disk tier's writer thread. */
    default void diskSaved(long nanos, long bytes) {
    }

    /** A snapshot file was read and checked, on the disk tier's reader thread. */
    default void diskRestored(long nanos, long bytes) {
    }
}
