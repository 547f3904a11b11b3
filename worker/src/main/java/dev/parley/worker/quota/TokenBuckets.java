package dev.parley.worker.quota;

/** Where the tenants' token buckets live, shared by every worker of the pool. */
public interface TokenBuckets {

    /**
     * Atomically refills the tenant's buckets for the time passed, debits the tokens given (0 and 0 to only look)
     * and answers whether a turn may start now.
     *
     * @throws QuotaUnavailableException when the store cannot be reached
     */
    BucketState settle(String tenant, QuotaLimit limit, long promptTokens, long completionTokens);
}
