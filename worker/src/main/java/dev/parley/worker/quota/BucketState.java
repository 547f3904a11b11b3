package dev.parley.worker.quota;

/**
 * A tenant's buckets after a settle: whether a turn may start now, and the balances (which may be negative: turns
 * are charged their actual tokens after they ran).
 *
 * @param admitted          whether every limited bucket holds at least one token
 * @param retryAfterMs      when refused, milliseconds until every bucket holds a token again; else 0
 * @param promptBalance     prompt tokens left (meaningless when prompt tokens are unlimited)
 * @param completionBalance completion tokens left (meaningless when completion tokens are unlimited)
 * @param exhausted         {@code prompt} or {@code completion}: the bucket that is furthest from a token, or
 *                          {@code null} when admitted
 */
public record BucketState(boolean admitted, long retryAfterMs, double promptBalance, double completionBalance,
                          String exhausted) {
}
