package dev.parley.worker.engine.cpp;

import dev.parley.worker.engine.KvCacheStats;
import dev.parley.worker.engine.PrefixCacheStats;

/**
 * The engine's figures for metrics and tests: written by the engine thread after each step and whenever a job ends
 * (before its caller hears of it), read by anyone.
 */
final class PublishedStats {

    volatile int busy;
    volatile int warm;
    volatile long preemptions;
    volatile KvCacheStats stats = KvCacheStats.NONE;
    volatile PrefixCacheStats prefixStats = PrefixCacheStats.NONE;
    /** Prompt KV copies made for further answers of a turn ({@link Forks}); written as they happen. */
    volatile long forkCopies;
    /** Admission passes in which a turn of several answers waited for idle sequences; written as they happen. */
    volatile long forkWaits;

    void publish(Sequence[] sequences, SnapshotTier tier, long preemptionCount, PrefixTier prefixes) {
        int busyNow = 0;
        int inSequences = 0;
        for (Sequence sequence : sequences) {
            busyNow += sequence.idle() ? 0 : 1;
            inSequences += sequence.empty() ? 0 : 1;
        }
        busy = busyNow;
        warm = inSequences + tier.count();
        preemptions = preemptionCount;
        SnapshotStore store = tier.store();
        stats = new KvCacheStats(tier.evictions(), tier.saved(), tier.restored(), store.dropped(),
                store.count(), store.bytes(), store.budgetBytes(), tier.buffers().reused());
        prefixStats = prefixes.stats();
    }
}
