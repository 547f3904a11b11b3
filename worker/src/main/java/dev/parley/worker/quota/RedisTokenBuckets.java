package dev.parley.worker.quota;

import java.util.List;
import java.util.function.LongSupplier;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Token buckets in Redis, one hash per tenant ({@code parley:quota:{<tenant>}}, its own Redis Cluster slot), settled
 * by one atomic script ({@link QuotaScripts#SETTLE}) so that every worker of the pool shares them.
 */
public final class RedisTokenBuckets implements TokenBuckets {

    private final RedisClient redis;
    /** The time to settle at in milliseconds, or {@code null} for Redis's own clock. */
    private final LongSupplier nowMillis;

    /** Buckets on Redis's clock: one clock for the whole pool, whatever the workers' clocks say. */
    public RedisTokenBuckets(RedisClient redis) {
        this(redis, null);
    }

    /** Buckets on a given clock in milliseconds (tests move a settable one). */
    public RedisTokenBuckets(RedisClient redis, LongSupplier nowMillis) {
        this.redis = redis;
        this.nowMillis = nowMillis;
    }

    /** The Redis key of a tenant's buckets. */
    public static String key(String tenant) {
        return "parley:quota:{" + tenant + "}";
    }

    @Override
    public BucketState settle(String tenant, QuotaLimit limit, long promptTokens, long completionTokens) {
        List<?> answer;
        try {
            answer = (List<?>) redis.eval(QuotaScripts.SETTLE, List.of(key(tenant)), List.of(
                    nowMillis == null ? "" : Long.toString(nowMillis.getAsLong()),
                    Long.toString(limit.promptPerMinute()), Long.toString(limit.completionPerMinute()),
                    Long.toString(promptTokens), Long.toString(completionTokens)));
        } catch (JedisException e) {
            throw new QuotaUnavailableException("quota store unavailable: " + e.getMessage(), e);
        }
        String exhausted = String.valueOf(answer.get(4));
        return new BucketState(((Number) answer.get(0)).longValue() == 1, ((Number) answer.get(1)).longValue(),
                Double.parseDouble(String.valueOf(answer.get(2))), Double.parseDouble(String.valueOf(answer.get(3))),
                exhausted.isEmpty() ? null : exhausted);
    }
}
