package dev.parley.gateway.batch;

import dev.parley.gateway.openai.Json;
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
 * Nothing is kept without an expiry, and what a tenant holds is counted ({@link StorageLimits}).
 * <ul>
 *   <li>{@code parley:gateway:{t}:file:<id>}: hash of the file's fields, and {@code ...:file:<id>:content} its bytes
 *   (appended in chunks as the upload arrives, read in ranges); both expire at the file's {@code expires_at};</li>
 *   <li>{@code parley:gateway:{t}:files}: sorted set of the tenant's file ids by expiry, and
 *   {@code parley:gateway:{t}:file-bytes}: hash of their sizes; what the storage quota counts;</li>
 *   <li>{@code parley:gateway:{t}:batch:<id>}: hash of the batch object's fields, expiring {@code batchTtl} after
 *   its creation, as its {@code :out} and {@code :err} hashes (line key to output or error line) do;</li>
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

    // KEYS: files by expiry, sizes. ARGV: now. Forgets expired files; returns {count, bytes}.
    private static final String PRUNE = """
            local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
            for _, id in ipairs(expired) do
              redis.call('ZREM', KEYS[1], id)
              redis.call('HDEL', KEYS[2], id)
            end
            local used = 0
            for _, b in ipairs(redis.call('HVALS', KEYS[2])) do used = used + tonumber(b) end
            return {redis.call('ZCARD', KEYS[1]), used}
            """;

    // KEYS: files by expiry, sizes. ARGV: now, id, bytes, expires at, max files, max bytes, enforce (1/0).
    // Returns 1, or -1 (too many files), -2 (too many bytes).
    private static final String RESERVE = PRUNE.replace("return {redis.call('ZCARD', KEYS[1]), used}", """
            if ARGV[7] == '1' then
              if redis.call('ZCARD', KEYS[1]) + 1 > tonumber(ARGV[5]) then return -1 end
              if used + tonumber(ARGV[3]) > tonumber(ARGV[6]) then return -2 end
            end
            redis.call('ZADD', KEYS[1], ARGV[4], ARGV[2])
            redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
            local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
            redis.call('EXPIREAT', KEYS[1], last[2])
            redis.call('EXPIREAT', KEYS[2], last[2])
            return 1
            """);

    // KEYS: batches by creation. ARGV: now, created before this have expired, id, max batches. Returns 1 or -1.
    private static final String ADD_BATCH = """
            redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
            if redis.call('ZCARD', KEYS[1]) + 1 > tonumber(ARGV[4]) then return -1 end
            redis.call('ZADD', KEYS[1], ARGV[1], ARGV[3])
            return 1
            """;

    // KEYS: batch, result hash. ARGV: line key, json. Records once; the results expire with their batch.
    private static final String PUT_RESULT = """
            local added = redis.call('HSETNX', KEYS[2], ARGV[1], ARGV[2])
            local at = redis.call('PEXPIRETIME', KEYS[1])
            if at > 0 then redis.call('PEXPIREAT', KEYS[2], at) end
            return added
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

    /** The tenant's file count and bytes held now (expired files forgotten). */
    long[] usage(String tenant, long now) {
        return call(() -> {
            List<?> result = (List<?>) redis.eval(PRUNE, List.of(prefix(tenant) + "files", prefix(tenant) + "file-bytes"),
                    List.of(String.valueOf(now)));
            return new long[] {((Number) result.get(0)).longValue(), ((Number) result.get(1)).longValue()};
        });
    }

    /**
     * Counts a file of {@code bytes} against the tenant's storage until {@code expiresAt}; with {@code enforce},
     * refuses (returns -1 for the count, -2 for the bytes) what would pass {@code limits}.
     */
    long reserve(String tenant, String id, long bytes, long expiresAt, StorageLimits limits, boolean enforce, long now) {
        return call(() -> ((Number) redis.eval(RESERVE, List.of(prefix(tenant) + "files", prefix(tenant) + "file-bytes"),
                List.of(String.valueOf(now), id, String.valueOf(bytes), String.valueOf(expiresAt),
                        String.valueOf(limits.maxFiles()), String.valueOf(limits.maxBytes()), enforce ? "1" : "0")))
                .longValue());
    }

    /** Appends a chunk of a file being written; the content expires at {@code expiresAt} (seconds) in any case. */
    void appendContent(String tenant, String id, byte[] chunk, int length, long expiresAt) {
        call(() -> {
            byte[] key = contentKey(tenant, id);
            redis.append(key, length == chunk.length ? chunk : java.util.Arrays.copyOf(chunk, length));
            redis.expireAt(key, expiresAt);
            return null;
        });
    }

    /** The file's fields, kept until {@code expiresAt} (seconds), as its content. */
    void putFileFields(String tenant, String id, Map<String, String> fields, long expiresAt) {
        call(() -> {
            redis.hset(fileKey(tenant, id), fields);
            redis.expireAt(fileKey(tenant, id), expiresAt);
            redis.expireAt(contentKey(tenant, id), expiresAt);
            return null;
        });
    }

    /** Removes a file and its accounting; {@code false} when the tenant had no such file. */
    boolean deleteFile(String tenant, String id) {
        return call(() -> {
            long removed = redis.del(fileKey(tenant, id));
            redis.del(contentKey(tenant, id));
            redis.zrem(prefix(tenant) + "files", id);
            redis.hdel(prefix(tenant) + "file-bytes", id);
            return removed > 0;
        });
    }

    /** The tenant's live file ids (the accounting's view; expired ones forgotten). */
    List<String> fileIds(String tenant, long now) {
        usage(tenant, now);
        return call(() -> redis.zrange(prefix(tenant) + "files", 0, -1));
    }

    /** The file's fields (without content), or empty when this tenant has no such file. */
    Map<String, String> file(String tenant, String id) {
        return call(() -> redis.hgetAll(fileKey(tenant, id)));
    }

    long contentLength(String tenant, String id) {
        return call(() -> redis.strlen(contentKey(tenant, id)));
    }

    /** Bytes {@code from} to {@code to} (inclusive) of the file's content. */
    byte[] contentRange(String tenant, String id, long from, long to) {
        return call(() -> redis.getrange(contentKey(tenant, id), from, to));
    }

    byte[] fileContent(String tenant, String id) {
        return call(() -> redis.get(contentKey(tenant, id)));
    }

    private static byte[] contentKey(String tenant, String id) {
        return (fileKey(tenant, id) + ":content").getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /**
     * Creates a batch that expires {@code ttlSeconds} after {@code createdAt}; {@code false} when the tenant holds
     * {@code maxBatches} batches already.
     */
    boolean createBatch(String tenant, String id, Map<String, String> fields, long createdAt, long ttlSeconds,
                        int maxBatches) {
        return call(() -> {
            String index = prefix(tenant) + "batches";
            long added = ((Number) redis.eval(ADD_BATCH, List.of(index), List.of(String.valueOf(createdAt),
                    String.valueOf(createdAt - ttlSeconds), id, String.valueOf(maxBatches)))).longValue();
            if (added < 0) {
                return false;
            }
            redis.expireAt(index, createdAt + ttlSeconds);
            redis.hset(batchKey(tenant, id), fields);
            redis.expireAt(batchKey(tenant, id), createdAt + ttlSeconds);
            redis.sadd(ACTIVE, tenant + "/" + id);
            return true;
        });
    }

    /** Counts one failed run of the batch; returns how many there were. */
    long countFailedRun(String tenant, String id) {
        return call(() -> redis.hincrBy(batchKey(tenant, id), "failed_runs", 1));
    }

    /** Marks a batch that cannot be run {@code failed}, with the reason in OpenAI's {@code errors} shape. */
    void fail(String tenant, String id, String code, String message, long at) {
        String errors = Json.write(Json.object("object", "list",
                "data", List.of(Json.object("code", code, "message", message, "param", null,
                        "line", null))));
        setBatchFields(tenant, id, Map.of("errors", errors));
        transition(tenant, id, "failed", "failed_at", at, "validating", "in_progress", "finalizing");
        deactivate(tenant, id);
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
        return call(() -> ((Number) redis.eval(PUT_RESULT, List.of(batchKey(tenant, id),
                batchKey(tenant, id) + (error ? ":err" : ":out")), List.of(lineKey, json))).longValue() == 1);
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
