package dev.parley.worker.engine;

/**
 * Counters of an engine that keeps conversations' KV caches beyond its sequences (in host-RAM snapshots). Read from
 * any thread; totals only grow.
 *
 * @param evictions         sequences handed from one conversation to another
 * @param snapshotsSaved    snapshots taken of evicted sequences
 * @param snapshotsRestored snapshots copied back into a sequence
 * @param snapshotsDropped  snapshots dropped to stay within the byte budget (least recently used first) or too
 *                          large to keep
 * @param snapshots         snapshots held now
 * @param snapshotBytes     bytes they hold now
 * @param budgetBytes       the most bytes they may hold
 * @param buffersReused     snapshots written into the buffer of one restored or dropped before, rather than into
 *                          newly allocated memory
 */
public record KvCacheStats(long evictions, long snapshotsSaved, long snapshotsRestored, long snapshotsDropped,
                           int snapshots, long snapshotBytes, long budgetBytes, long buffersReused) {

    public static final KvCacheStats NONE = new KvCacheStats(0, 0, 0, 0, 0, 0, 0, 0);
}
