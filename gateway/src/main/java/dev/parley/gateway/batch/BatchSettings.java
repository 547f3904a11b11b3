package dev.parley.gateway.batch;

import java.time.Duration;

/**
 * How the files and batches API behaves; every value has a default in {@code GatewayConfig} and docs/gateway.md.
 *
 * @param owner              names this gateway's leases (unique per gateway process)
 * @param lease              how long a lease lasts unless renewed: how soon a dead gateway's batches move on
 * @param scan               how often to look for batches without a live lease
 * @param inFlight           lines of one batch in flight at once
 * @param requestTimeout     how long one line may wait for its reply
 * @param maxFailedRuns      runs of one batch that may fail (throw) before the batch is marked {@code failed}
 * @param rateLimitRetries   times one line refused for its tenant's token quota is sent again before it is an error
 * @param maxRetryWait       the longest a refused line waits before it is sent again (the worker's retry-after,
 *                           capped)
 * @param storage            per-tenant bounds on files and batches, and their expiry
 */
public record BatchSettings(String owner, Duration lease, Duration scan, int inFlight, Duration requestTimeout,
                            int maxFailedRuns, int rateLimitRetries, Duration maxRetryWait, StorageLimits storage) {
}
