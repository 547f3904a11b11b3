package dev.parley.worker.engine.disk;

import java.nio.file.Path;

/**
 * Where and how large the disk KV tier is.
 *
 * @param dir         the directory of snapshot files, one per conversation; {@code null} turns the tier off. One
 *                    worker per directory: a lock file refuses a second
 * @param budgetBytes the most bytes the snapshot files may hold together (least recently used are deleted first)
 */
public record DiskTierConfig(Path dir, long budgetBytes) {

    public static final DiskTierConfig OFF = new DiskTierConfig(null, 0);
    public static final long DEFAULT_BUDGET_BYTES = 10L << 30;

    public DiskTierConfig {
        if (budgetBytes < 0) {
            throw new IllegalArgumentException("kv-disk-bytes must be >= 0, got " + budgetBytes);
        }
    }

    public boolean enabled() {
        return dir != null && budgetBytes > 0;
    }
}
