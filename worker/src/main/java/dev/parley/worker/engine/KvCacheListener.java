package dev.parley.worker.engine;

/** Told of each KV snapshot taken or restored, on the engine's thread (keep it quick), for timing histograms. */
public interface KvCacheListener {

    void snapshotSaved(long nanos);

    void snapshotRestored(long nanos);
}
