package dev.parley.worker.history;

import dev.parley.schemas.Reply;
import dev.parley.schemas.codec.WireJson;
import java.time.Duration;
import dev.parley.worker.config.RedisOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.exceptions.JedisException;

/**
 * The history in Redis. Per conversation, keys sharing a hash tag (so they live in one Redis Cluster slot):
 * <ul>
 *   <li>{@code parley:{<conversation>}:turns}, a list of JSON {@link HistoryEntry}s, oldest first, bounded by
 *   {@link HistoryLimits#maxTurns()} and {@link HistoryLimits#maxBytes()} (the oldest are dropped);</li>
 *   <li>{@code parley:{<conversation>}:replies}, a hash from request id to the JSON reply sent for it, and
 *   {@code parley:{<conversation>}:reply-ids}, those request ids oldest first: the idempotency window, bounded by
 *   {@link HistoryLimits#replyWindow()} and {@link HistoryLimits#maxBytes()};</li>
 *   <li>{@code parley:{<conversation>}:meta}, a hash with the turn counter, the bytes held, the system prompt in
 *   force and the owning tenant ({@link ConversationOwner});</li>
 *   <li>{@code parley:{<conversation>}:cancelled}, the set of request ids cancelled and not answered yet.</li>
 * </ul>
 * Lua scripts ({@link RedisScripts}) append a turn, record its reply and trim both in one step, refusing a request
 * id already answered and a turn number that does not follow the counter. Every write refreshes the TTL of all keys.
 */
public final class RedisHistoryStore implements HistoryStore {

    private final RedisClient redis;
    private final Duration ttl;
    private final HistoryLimits limits;

    public RedisHistoryStore(RedisClient redis, Duration ttl, HistoryLimits limits) {
        this.redis = redis;
        this.ttl = ttl;
        this.limits = limits;
    }

    public RedisHistoryStore(RedisClient redis, Duration ttl) {
        this(redis, ttl, HistoryLimits.DEFAULTS);
    }

    /** Connects to {@code redis://[:password@]host:port[/db]} (or {@code rediss://} for TLS). */
    public static RedisHistoryStore connect(String uri, Duration ttl) {
        return connect(uri, Map.of(), ttl, HistoryLimits.DEFAULTS);
    }

    /** Connects with extra options (credentials, TLS trust store, timeouts). */
    public static RedisHistoryStore connect(String uri, Map<RedisOption, String> options, Duration ttl) {
        return connect(uri, options, ttl, HistoryLimits.DEFAULTS);
    }

    /** Connects with extra options and bounds for each conversation. */
    public static RedisHistoryStore connect(String uri, Map<RedisOption, String> options, Duration ttl,
                                            HistoryLimits limits) {
        return new RedisHistoryStore(RedisConnector.connect(uri, options), ttl, limits);
    }

    /** The keys of a conversation that its scripts work on, in the order {@link RedisScripts} expects. */
    static List<String> keys(String conversationId) {
        return List.of(turnsKey(conversationId), repliesKey(conversationId), replyIdsKey(conversationId),
                metaKey(conversationId), cancelledKey(conversationId));
    }

    static String replyIdsKey(String conversationId) {
        return "parley:{" + conversationId + "}:reply-ids";
    }

    static String metaKey(String conversationId) {
        return "parley:{" + conversationId + "}:meta";
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
    public HistoryTail loadTail(String conversationId, TailBudget budget) {
        List<?> answer;
        try {
            answer = (List<?>) redis.eval(RedisScripts.LOAD_TAIL, keys(conversationId),
                    List.of(String.valueOf(budget.maxTurns()), String.valueOf(budget.maxBytes())));
        } catch (JedisException e) {
            throw unavailable("load history", e);
        }
        int turnCount = Integer.parseInt(String.valueOf(answer.get(0)));
        String system = answer.get(1) == null ? null : String.valueOf(answer.get(1));
        List<HistoryEntry> entries = new ArrayList<>(answer.size() - 2);
        for (Object json : answer.subList(2, answer.size())) {
            entries.add(WireJson.fromString(String.valueOf(json), HistoryEntry.class));
        }
        return new HistoryTail(entries, turnCount, system);
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
    public AppendOutcome append(String conversationId, String tenant, HistoryEntry entry, Reply reply) {
        List<String> args = new ArrayList<>(boundArguments(entry.requestId(), WireJson.toString(reply)));
        args.add(String.valueOf(entry.turn()));
        args.add(WireJson.toString(entry));
        args.add(entry.system() != null ? "1" : "0");
        args.add(entry.system() != null ? entry.system() : "");
        args.add(String.valueOf(HistoryLimits.KEEP_AFTER_TRIM));
        args.add(ConversationOwner.stored(tenant));
        Object result;
        try {
            result = redis.eval(RedisScripts.APPEND, keys(conversationId), args);
        } catch (JedisException e) {
            throw unavailable("append turn", e);
        }
        List<?> parts = (List<?>) result;
        String kind = String.valueOf(parts.get(0));
        String value = String.valueOf(parts.get(1));
        return switch (kind) {
            case "appended" -> new AppendOutcome.Appended(Integer.parseInt(value),
                    Integer.parseInt(String.valueOf(parts.get(2))));
            case "duplicate" -> new AppendOutcome.Duplicate(WireJson.fromString(value, Reply.class));
            case "conflict" -> new AppendOutcome.Conflict(Integer.parseInt(value));
            case "tenant_mismatch" -> new AppendOutcome.TenantMismatch(ConversationOwner.fromStored(value));
            default -> throw new IllegalStateException("unexpected answer from the append script: " + parts);
        };
    }

    @Override
    public Optional<ConversationOwner> owner(String conversationId) {
        try {
            return Optional.ofNullable(redis.hget(metaKey(conversationId), RedisScripts.OWNER_FIELD))
                    .map(ConversationOwner::fromStored);
        } catch (JedisException e) {
            throw unavailable("read the conversation's owner", e);
        }
    }

    @Override
    public Reply recordReply(String conversationId, String requestId, Reply reply) {
        String json = WireJson.toString(reply);
        Object standing;
        try {
            standing = redis.eval(RedisScripts.RECORD_REPLY, keys(conversationId), boundArguments(requestId, json));
        } catch (JedisException e) {
            throw unavailable("record reply", e);
        }
        return json.equals(standing) ? reply : WireJson.fromString(String.valueOf(standing), Reply.class);
    }

    /** ARGV shared by the writing scripts: request id, reply JSON, TTL, then the bounds. */
    private List<String> boundArguments(String requestId, String replyJson) {
        return List.of(requestId, replyJson, String.valueOf(ttl.toSeconds()), String.valueOf(limits.maxTurns()),
                String.valueOf(limits.maxBytes()), String.valueOf(limits.replyWindow()));
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
