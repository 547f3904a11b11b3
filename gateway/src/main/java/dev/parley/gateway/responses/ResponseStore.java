package dev.parley.gateway.responses;

import dev.parley.gateway.openai.OpenAiException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Pattern;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.SetParams;

/**
 * Stored responses in Redis, under their tenant, so that they survive gateway restarts and any gateway of a fleet
 * serves them; one tenant's ids mean nothing under another's (a 404).
 * <ul>
 *   <li>{@code parley:gateway:{<tenant>}:response:<id>}: the response and what continuing it needs, expiring
 *   {@code retention} after it was stored;</li>
 *   <li>{@code parley:gateway:{<tenant>}:responses}: sorted set of the tenant's response ids by creation time, by
 *   which the oldest are deleted once the tenant holds more than {@code maxStoredPerTenant}.</li>
 * </ul>
 */
public final class ResponseStore {

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,128}");

    private final RedisClient redis;
    private final ResponsesSettings settings;
    private final Clock clock;

    public ResponseStore(RedisClient redis, ResponsesSettings settings, Clock clock) {
        this.redis = redis;
        this.settings = settings;
        this.clock = clock;
    }

    static String key(String tenant, String id) {
        return "parley:gateway:{" + tenant + "}:response:" + id;
    }

    static String indexKey(String tenant) {
        return "parley:gateway:{" + tenant + "}:responses";
    }

    public void save(String tenant, StoredResponse response) {
        long now = clock.millis();
        try {
            redis.set(key(tenant, response.id()), response.toJson(),
                    SetParams.setParams().ex(settings.retention().toSeconds()));
            String index = indexKey(tenant);
            redis.zadd(index, now, response.id());
            redis.zremrangeByScore(index, Double.NEGATIVE_INFINITY, now - settings.retention().toMillis());
            redis.expire(index, settings.retention().toSeconds());
            long excess = redis.zcard(index) - settings.maxStoredPerTenant();
            if (excess > 0) {
                for (var oldest : redis.zpopmin(index, (int) excess)) {
                    redis.del(key(tenant, oldest.getElement()));
                }
            }
        } catch (JedisException e) {
            throw OpenAiException.unavailable("the response could not be stored (Redis): " + e.getMessage());
        }
    }

    /** The tenant's response with this id, or {@code null}. */
    public StoredResponse find(String tenant, String id) {
        if (id == null || !ID.matcher(id).matches()) {
            return null;
        }
        String json;
        try {
            json = redis.get(key(tenant, id));
        } catch (JedisException e) {
            throw OpenAiException.unavailable("stored responses unavailable (Redis): " + e.getMessage());
        }
        return json == null ? null : StoredResponse.fromJson(json);
    }

    /** The tenant's response with this id, or a 404 naming {@code param}. */
    public StoredResponse require(String tenant, String id, String param) {
        StoredResponse found = find(tenant, id);
        if (found == null) {
            throw OpenAiException.notFound(param, "response_not_found", "No response found with id '" + id + "'.");
        }
        return found;
    }

    /** Deletes it; {@code false} when the tenant has no response with this id. */
    public boolean delete(String tenant, String id) {
        if (id == null || !ID.matcher(id).matches()) {
            return false;
        }
        try {
            redis.zrem(indexKey(tenant), id);
            return redis.del(key(tenant, id)) > 0;
        } catch (JedisException e) {
            throw OpenAiException.unavailable("stored responses unavailable (Redis): " + e.getMessage());
        }
    }

    /**
     * The chain ending with {@code last}, oldest first, following {@code previous_response_id} back until a response
     * is gone (deleted or expired) or the chain holds {@code maxMessages} messages.
     */
    public List<StoredResponse> chain(String tenant, StoredResponse last, int maxMessages) {
        List<StoredResponse> chain = new ArrayList<>();
        int messages = 0;
        StoredResponse at = last;
        while (at != null && messages < maxMessages) {
            chain.add(at);
            messages += at.input().size() + 1;
            at = at.previousResponseId() == null ? null : find(tenant, at.previousResponseId());
        }
        Collections.reverse(chain);
        return chain;
    }
}
