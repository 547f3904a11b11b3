package dev.parley.gateway.conversation;

import java.time.Duration;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.SetParams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's own memory of where a history lives: a digest of (tenant, system prompt, messages up to and including
 * an answer) to the conversation that holds exactly that history. It is what lets the turn after a regenerate or an
 * edit find the fork it went to, instead of forking again. Keys {@code parley:gateway:{<tenant>}:head:<digest>},
 * expiring like histories do.
 */
public final class ConversationIndex {

    private static final Logger log = LoggerFactory.getLogger(ConversationIndex.class);

    private final RedisClient redis;
    private final Duration ttl;

    public ConversationIndex(RedisClient redis, Duration ttl) {
        this.redis = redis;
        this.ttl = ttl;
    }

    static String key(String tenant, String digest) {
        return "parley:gateway:{" + tenant + "}:head:" + digest;
    }

    /** The conversation whose history has this digest, or {@code null}. */
    public String lookup(String tenant, String digest) {
        try {
            return redis.get(key(tenant, digest));
        } catch (JedisException e) {
            // Only warmth is lost: the request then forks a fresh conversation carrying its whole history.
            log.warn("conversation index unavailable: {}", e.getMessage());
            return null;
        }
    }

    public void record(String tenant, String digest, String conversationId) {
        try {
            redis.set(key(tenant, digest), conversationId, SetParams.setParams().ex(ttl.toSeconds()));
        } catch (JedisException e) {
            log.warn("could not record the conversation index: {}", e.getMessage());
        }
    }
}
