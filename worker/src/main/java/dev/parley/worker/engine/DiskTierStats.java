package dev.parley.worker.engine;

/**
 * Counters of an engine's disk KV tier (snapshot files that outlive the process). Read from any thread; totals only
 * grow.
 *
 * @param files        snapshot files held now
 * @param bytes        bytes they hold now (with a file being written)
 * @param budgetBytes  the most bytes they may hold ({@code kv-disk-bytes}); 0 when the tier is off
 * @param saved        files written
 * @param restored     files read back and checked (restored into a sequence, unless the turn had ended meanwhile)
 * @param dropped      snapshots not kept: deleted to stay within the budget (least recently used first), too large,
 *                     refused while the writer was too far behind, or failed to write
 * @param corrupt      files ignored and deleted because they were truncated or failed their checksum
 * @param foreign      files ignored and deleted because another model, llama.cpp build, KV cache type or context
 *                     layout wrote them
 * @param writtenBytes bytes written to snapshot files
 * @param readBytes    bytes read from snapshot files
 */
public record DiskTierStats(int files, long bytes, long budgetBytes, long saved, long restored, long dropped,
                            long corrupt, long foreign, long writtenBytes, long readBytes) {

    public static final DiskTierStats OFF = new DiskTierStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
}
