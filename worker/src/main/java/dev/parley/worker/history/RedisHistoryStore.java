package dev.parley.worker.history;

import dev.parley.schemas.Reply;
import dev.parley.schemas.codec.WireJson;
import java.time.Duration;
import java.util.ArrayList;
import dev.parley.worker.config.RedisOption;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.exceptions.JedisException;

/**
 * The history in Redis. Per conversation, two keys sharing a hash tag (so they live in one Redis Cluster slot):
 * <ul>
 *   <li>{@code parley:{<conversation>}:turns}, a list of JSON {@link HistoryEntry}s, oldest first;</li>
 *   <li>{@code parley:{<conversation>}:replies}, a hash from request id to the JSON reply sent for it.</li>
 * </ul>
 * A Lua script appends a turn and records its reply in one step, refusing a request id already answered and a
 * turn number that no longer follows the list.
 */
public final class RedisHistoryStore implements HistoryStore {

    // KEYS: turns, replies. ARGV: request id, expected turn, entry JSON, reply JSON, TTL seconds (0: keep).
    private static final String APPEND_SCRIPT = """
            local stored = redis.call('HGET', KEYS[2], ARGV[1])
            if stored then return {'duplicate', stored} end
            local length = redis.call('LLEN', KEYS[1])
            if length + 1 ~= tonumber(ARGV[2]) then return {'conflict', tostring(length)} end
            redis.call('RPUSH', KEYS[1], ARGV[3])
            redis.call('HSET', KEYS[2], ARGV[1], ARGV[4])
            local ttl = tonumber(ARGV[5])
            if ttl > 0 then
              redis.call('EXPIRE', KEYS[1], ttl)
              redis.call('EXPIRE', KEYS[2], ttl)
            end
            return {'appended', tostring(length + 1)}
            """;

    private final RedisClient redis;
    private final Duration ttl;

    public RedisHistoryStore(RedisClient redis, Duration ttl) {
        this.redis = redis;
        this.ttl = ttl;
    }

    /** Connects to {@code redis://[:password@]host:port[/db]} (or {@code rediss://} for TLS). */
    public static RedisHistoryStore connect(String uri, Duration ttl) {
        return connect(uri, Map.of(), ttl);
    }

    /** Connects with extra options (credentials, TLS trust store, timeouts). */
    public static RedisHistoryStore connect(String uri, Map<RedisOption, String> options, Duration ttl) {
        return new RedisHistoryStore(RedisConnector.connect(uri, options), ttl);
    }

    static String turnsKey(String conversationId) {
        return "parley:{" + conversationId + "}:turns";
    }

    static String repliesKey(String conversationId) {
        return "parley:{" + conversationId + "}:replies";
    }

    static String cancelledKey(String conversationId) {
        return "parley:{" + conversationId + "}:cancelled";
    }

    /** How long a cancellation is remembered when histories never expire. */
    private static final long CANCEL_MEMORY_SECONDS = 86_400;

    @Override
    public List<HistoryEntry> load(String conversationId) {
        List<String> raw;
        try {
            raw = redis.lrange(turnsKey(conversationId), 0, -1);
        } catch (JedisException e) {
            throw unavailable("load history", e);
        }
        List<HistoryEntry> entries = new ArrayList<>(raw.size());
        for (String json : raw) {
            entries.add(WireJson.fromString(json, HistoryEntry.class));
        }
        return entries;
    }

    @Override
    public Optional<Reply> storedReply(String conversationId, String requestId) {
        try {
            String json = redis.hget(repliesKey(conversationId), requestId);
            return Optional.ofNullable(json).map(j -> WireJson.fromString(j, Reply.class));
        } catch (JedisException e) {
            throw unavailable("read stored reply", e);
        }
    }

    @Override
    public AppendOutcome append(String conversationId, HistoryEntry entry, Reply reply) {
        Object result;
        try {
            result = redis.eval(APPEND_SCRIPT,
                    List.of(turnsKey(conversationId), repliesKey(conversationId)),
                    List.of(entry.requestId(), String.valueOf(entry.turn()), WireJson.toString(entry),
                            WireJson.toString(reply), String.valueOf(ttl.toSeconds())));
        } catch (JedisException e) {
            throw unavailable("append turn", e);
        }
        List<?> parts = (List<?>) result;
        String kind = String.valueOf(parts.get(0));
        String value = String.valueOf(parts.get(1));
        return switch (kind) {
            case "appended" -> new AppendOutcome.Appended(Integer.parseInt(value));
            case "duplicate" -> new AppendOutcome.Duplicate(WireJson.fromString(value, Reply.class));
            case "conflict" -> new AppendOutcome.Conflict(Integer.parseInt(value));
            default -> throw new IllegalStateException("unexpected answer from the append script: " + parts);
        };
    }

    @Override
    public Reply recordReply(String conversationId, String requestId, Reply reply) {
        try {
            String key = repliesKey(conversationId);
            if (redis.hsetnx(key, requestId, WireJson.toString(reply)) == 1) {
                if (!ttl.isZero()) {
                    redis.expire(key, ttl.toSeconds());
                }
                return reply;
            }
            return WireJson.fromString(redis.hget(key, requestId), Reply.class);
        } catch (JedisException e) {
            throw unavailable("record reply", e);
        }
    }

    @Override
    public void markCancelled(String conversationId, String requestId) {
        try {
            String key = cancelledKey(conversationId);
            redis.sadd(key, requestId);
            redis.expire(key, ttl.isZero() ? CANCEL_MEMORY_SECONDS : ttl.toSeconds());
        } catch (JedisException e) {
            throw unavailable("record a cancellation", e);
        }
    }

    @Override
    public boolean isCancelled(String conversationId, String requestId) {
        try {
            return redis.sismember(cancelledKey(conversationId), requestId);
        } catch (JedisException e) {
            throw unavailable("check cancellations", e);
        }
    }

    @Override
    public boolean isReachable() {
        try {
            return "PONG".equals(redis.ping());
        } catch (JedisException e) {
            return false;
        }
    }

    @Override
    public void close() {
        redis.close();
    }

    private static HistoryUnavailableException unavailable(String what, JedisException e) {
        return new HistoryUnavailableException("Redis unavailable, could not " + what + ": " + e.getMessage(), e);
    }
}
