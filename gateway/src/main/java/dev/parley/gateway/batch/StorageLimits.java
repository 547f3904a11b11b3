package dev.parley.gateway.batch;

import java.time.Duration;

/**
 * What one tenant may keep in the gateway's Redis, and for how long: uploads and batch output files count against
 * the bytes and the file count, batches against the batch count. Nothing is kept forever: a file expires after
 * {@code fileTtl} unless its upload asked for less ({@code expires_after}), a batch and its results after
 * {@code batchTtl}.
 *
 * @param maxUploadBytes the largest file one upload may carry
 * @param maxBytes       bytes of files one tenant may hold
 * @param maxFiles       files one tenant may hold
 * @param maxBatches     batches one tenant may hold (finished ones count until they expire)
 * @param fileTtl        how long a file is kept when its upload does not say
 * @param batchTtl       how long a batch, its results and its output files are kept after it is created
 */
public record StorageLimits(long maxUploadBytes, long maxBytes, int maxFiles, int maxBatches, Duration fileTtl,
                            Duration batchTtl) {

    /**
     * 100 MiB an upload, 1 GiB and 1000 files a tenant, 1000 batches a tenant, files kept 30 days (as OpenAI keeps
     * batch files), batches 30 days.
     */
    public static final StorageLimits DEFAULTS = new StorageLimits(100L << 20, 1L << 30, 1000, 1000,
            Duration.ofDays(30), Duration.ofDays(30));

    public StorageLimits {
        if (maxUploadBytes < 1 || maxBytes < 1 || maxFiles < 1 || maxBatches < 1) {
            throw new IllegalArgumentException("storage limits must be positive, got upload " + maxUploadBytes
                    + ", bytes " + maxBytes + ", files " + maxFiles + ", batches " + maxBatches);
        }
        if (fileTtl.isNegative() || fileTtl.isZero() || batchTtl.isNegative() || batchTtl.isZero()) {
            throw new IllegalArgumentException("file and batch ttl must be positive, got " + fileTtl + ", " + batchTtl);
        }
    }
}
