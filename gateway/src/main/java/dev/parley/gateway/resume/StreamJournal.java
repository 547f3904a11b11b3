package dev.parley.gateway.resume;

import dev.parley.gateway.openai.OpenAiException;
import java.time.Duration;
import java.util.regex.Pattern;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.SetParams;

/**
 * The streams of a tenant that can be resumed, in Redis, so any gateway finds them:
 * <ul>
 *   <li>{@code parley:gateway:{<tenant>}:stream:<stream id>}: its {@link StreamRecord}, expiring {@code retention}
 *   after the stream started;</li>
 *   <li>{@code parley:gateway:{<tenant>}:stream:<stream id>:resumed}: set by the first resume, so the gateway whose
 *   client hung up does not cancel the request a resumed client is reading.</li>
 * </ul>
 * Another tenant's stream id is not found.
 */
public final class StreamJournal {

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,128}");

    private final RedisClient redis;
    private final Duration retention;

    public StreamJournal(RedisClient redis, Duration retention) {
        this.redis = redis;
        this.retention = retention;
    }

    static String key(String tenant, String streamId) {
        return "parley:gateway:{" + tenant + "}:stream:" + streamId;
    }

    /** How long a stream can be resumed after it started. */
    public Duration retention() {
        return retention;
    }

    /** Records a stream before its prompt is sent. */
    public void record(String tenant, StreamRecord stream) {
        try {
            redis.set(key(tenant, stream.streamId()), stream.toJson(), SetParams.setParams().ex(retention.toSeconds()));
        } catch (JedisException e) {
            throw OpenAiException.unavailable("the stream could not be recorded (Redis): " + e.getMessage());
        }
    }

    /** The tenant's stream with this id, or {@code null} (never started, another tenant's, or past its retention). */
    public StreamRecord find(String tenant, String streamId) {
        if (streamId == null || !ID.matcher(streamId).matches()) {
            return null;
        }
        try {
            String json = redis.get(key(tenant, streamId));
            return json == null ? null : StreamRecord.fromJson(json);
        } catch (JedisException e) {
            throw OpenAiException.unavailable("streams unavailable (Redis): " + e.getMessage());
        }
    }

    public void markResumed(String tenant, String streamId) {
        try {
            redis.set(key(tenant, streamId) + ":resumed", "1", SetParams.setParams().ex(retention.toSeconds()));
        } catch (JedisException e) {
            throw OpenAiException.unavailable("streams unavailable (Redis): " + e.getMessage());
        }
    }

    /** Whether a client resumed the stream; an unreachable Redis counts as no (the request is then cancelled). */
    public boolean resumed(String tenant, String streamId) {
        try {
            return redis.exists(key(tenant, streamId) + ":resumed");
        } catch (JedisException e) {
            return false;
        }
    }
}
