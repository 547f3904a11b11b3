package dev.parley.gateway.batch;

import dev.parley.gateway.openai.OpenAiException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.SetParams;

/**
 * Files and batches in Redis, so they survive a gateway restart and any gateway of a fleet can serve them. Every key
 * carries the tenant in its hash tag: one tenant's ids mean nothing under another's.
 * <ul>
 *   <li>{@code parley:gateway:{t}:file:<id>}: hash of the file's fields plus {@code content};</li>
 *   <li>{@code parley:gateway:{t}:batch:<id>}: hash of the batch object's fields;</li>
 *   <li>{@code ...:batch:<id>:out} and {@code :err}: hashes from line key to its output or error line;</li>
 *   <li>{@code ...:batch:<id>:lease}: which gateway runs the batch, with a time to live it keeps renewing;</li>
 *   <li>{@code parley:gateway:{t}:batches}: sorted set of the tenant's batch ids by creation;</li>
 *   <li>{@code parley:gateway:batches:active}: set of {@code tenant/id} still to run or finish.</li>
 * </ul>
 */
public final class BatchStore {

    private static final String ACTIVE = "parley:gateway:batches:active";

    // KEYS: batch. ARGV: new status, timestamp field, timestamp, allowed statuses...
    private static final String TRANSITION = """
            local current = redis.call('HGET', KEYS[1], 'status')
            for i = 4, #ARGV do
              if current == ARGV[i] then
                redis.call('HSET', KEYS[1], 'status', ARGV[1], ARGV[2], ARGV[3])
                return 1
              end
            end
            return 0
            """;

    // KEYS: lease. ARGV: owner, ttl ms. Renews only a lease this owner holds.
    private static final String RENEW = """
            if redis.call('GET', KEYS[1]) == ARGV[1] then
              return redis.call('PEXPIRE', KEYS[1], ARGV[2])
            end
            return 0
            """;

    private static final String RELEASE = """
            if redis.call('GET', KEYS[1]) == ARGV[1] then
              return redis.call('DEL', KEYS[1])
            end
            return 0
            """;

    private final RedisClient redis;

    public BatchStore(RedisClient redis) {
        this.redis = redis;
    }

    private static String prefix(String tenant) {
        return "parley:gateway:{" + tenant + "}:";
    }

    static String fileKey(String tenant, String id) {
        return prefix(tenant) + "file:" + id;
    }

    static String batchKey(String tenant, String id) {
        return prefix(tenant) + "batch:" + id;
    }

    void putFile(String tenant, String id, Map<String, String> fields, byte[] content) {
        call(() -> {
            String key = fileKey(tenant, id);
            redis.hset(key.getBytes(java.nio.charset.StandardCharsets.UTF_8), "content".getBytes(java.nio.charset.StandardCharsets.UTF_8), content);
            redis.hset(key, fields);
            return null;
        });
    }

    /** The file's fields (without content), or empty when this tenant has no such file. */
    Map<String, String> file(String tenant, String id) {
        return call(() -> {
            Map<String, String> fields = new java.util.LinkedHashMap<>();
            for (String name : List.of("id", "bytes", "created_at", "filename", "purpose")) {
                String value = redis.hget(fileKey(tenant, id), name);
                if (value != null) {
                    fields.put(name, value);
                }
            }
            return fields;
        });
    }

    byte[] fileContent(String tenant, String id) {
        return call(() -> redis.hget(fileKey(tenant, id).getBytes(java.nio.charset.StandardCharsets.UTF_8),
                "content".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    void createBatch(String tenant, String id, Map<String, String> fields, long createdAt) {
        call(() -> {
            redis.hset(batchKey(tenant, id), fields);
            redis.zadd(prefix(tenant) + "batches", createdAt, id);
            redis.sadd(ACTIVE, tenant + "/" + id);
            return null;
        });
    }

    Map<String, String> batch(String tenant, String id) {
        return call(() -> redis.hgetAll(batchKey(tenant, id)));
    }

    void setBatchFields(String tenant, String id, Map<String, String> fields) {
        call(() -> redis.hset(batchKey(tenant, id), fields));
    }

    /** Moves the batch to {@code status} if it is in one of {@code from}; stamps {@code timestampField}. */
    boolean transition(String tenant, String id, String status, String timestampField, long at, String... from) {
        List<String> args = new ArrayList<>(List.of(status, timestampField, String.valueOf(at)));
        args.addAll(List.of(from));
        return call(() -> ((Number) redis.eval(TRANSITION, List.of(batchKey(tenant, id)), args)).longValue() == 1);
    }

    /** The tenant's batch ids, newest first, after {@code after} (exclusive) when given. */
    List<String> batchIds(String tenant, String after, int limit) {
        return call(() -> {
            List<String> all = redis.zrevrange(prefix(tenant) + "batches", 0, -1);
            int start = after == null ? 0 : all.indexOf(after) + 1;
            return all.subList(Math.min(start, all.size()), Math.min(all.size(), start + limit));
        });
    }

    /** Records a line's result once; a second result for the same line (a resend) is ignored. */
    boolean putResult(String tenant, String id, boolean error, String lineKey, String json) {
        return call(() -> redis.hsetnx(batchKey(tenant, id) + (error ? ":err" : ":out"), lineKey, json) == 1);
    }

    Map<String, String> results(String tenant, String id, boolean error) {
        return call(() -> redis.hgetAll(batchKey(tenant, id) + (error ? ":err" : ":out")));
    }

    long resultCount(String tenant, String id, boolean error) {
        return call(() -> redis.hlen(batchKey(tenant, id) + (error ? ":err" : ":out")));
    }

    Set<String> active() {
        return call(() -> redis.smembers(ACTIVE));
    }

    void deactivate(String tenant, String id) {
        call(() -> redis.srem(ACTIVE, tenant + "/" + id));
    }

    boolean acquireLease(String tenant, String id, String owner, long ttlMillis) {
        return call(() -> "OK".equals(redis.set(batchKey(tenant, id) + ":lease", owner,
                SetParams.setParams().nx().px(ttlMillis))));
    }

    boolean renewLease(String tenant, String id, String owner, long ttlMillis) {
        return call(() -> ((Number) redis.eval(RENEW, List.of(batchKey(tenant, id) + ":lease"),
                List.of(owner, String.valueOf(ttlMillis)))).longValue() == 1);
    }

    void releaseLease(String tenant, String id, String owner) {
        call(() -> redis.eval(RELEASE, List.of(batchKey(tenant, id) + ":lease"), List.of(owner)));
    }

    private interface RedisCall<T> {
        T run();
    }

    private static <T> T call(RedisCall<T> call) {
        try {
            return call.run();
        } catch (JedisException e) {
            throw OpenAiException.unavailable("batch store unavailable (Redis): " + e.getMessage());
        }
    }
}
