package dev.parley.gateway.idempotency;

import dev.parley.gateway.http.Recording;
import dev.parley.gateway.openai.Json;
import dev.parley.gateway.openai.OpenAiException;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.SetParams;
import tools.jackson.databind.JsonNode;

/**
 * Idempotency keys in Redis: {@code parley:gateway:{<tenant>}:idem:<digest of route and key>}, a JSON record that
 * is first a claim ({@code pending}, with the body's fingerprint and a token naming the request that holds it) and
 * then the answer to replay ({@code done}). A claim lives as long as a request may take, so a gateway that dies
 * mid-request blocks its key no longer than that; an answer lives for the window.
 */
final class IdempotencyStore {

    /** What a request finds under its key. */
    sealed interface Claim permits Claimed, InProgress, Done {
    }

    /** The key was free: this request answers it. */
    record Claimed(String token) implements Claim {
    }

    /** Another request with the key is still being answered. */
    record InProgress(String fingerprint) implements Claim {
    }

    /** The key was answered: replay it (if the fingerprint matches). */
    record Done(String fingerprint, int status, String contentType, Map<String, String> headers, byte[] body)
            implements Claim {
    }

    // KEYS: the key. ARGV: token. Deletes the key only while it is this request's claim.
    private static final String RELEASE = """
            local v = redis.call('GET', KEYS[1])
            if v and cjson.decode(v)['token'] == ARGV[1] then
              return redis.call('DEL', KEYS[1])
            end
            return 0
            """;

    private final RedisClient redis;
    private final Duration window;
    private final Duration claimTtl;

    IdempotencyStore(RedisClient redis, Duration window, Duration claimTtl) {
        this.redis = redis;
        this.window = window;
        this.claimTtl = claimTtl;
    }

    static String key(String tenant, String digest) {
        return "parley:gateway:{" + tenant + "}:idem:" + digest;
    }

    Claim claim(String key, String fingerprint, String token) {
        String pending = Json.write(Json.object("state", "pending", "fingerprint", fingerprint, "token", token));
        try {
            for (int attempt = 0; attempt < 2; attempt++) {
                if ("OK".equals(redis.set(key, pending, SetParams.setParams().nx().px(claimTtl.toMillis())))) {
                    return new Claimed(token);
                }
                String existing = redis.get(key);
                if (existing != null) {
                    return parse(existing);
                }
                // It expired between the two calls: try once more.
            }
            throw OpenAiException.unavailable("the idempotency key could not be claimed; retry");
        } catch (JedisException e) {
            throw OpenAiException.unavailable("idempotency keys unavailable (Redis): " + e.getMessage());
        }
    }

    /** Keeps the answer for the window (replacing this request's claim). */
    void complete(String key, String fingerprint, Recording answer) {
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("state", "done");
        record.put("fingerprint", fingerprint);
        record.put("status", answer.status());
        record.put("content_type", answer.contentType());
        record.put("headers", answer.headers());
        record.put("body", Base64.getEncoder().encodeToString(answer.body()));
        try {
            redis.set(key, Json.write(record), SetParams.setParams().xx().px(window.toMillis()));
        } catch (JedisException e) {
            // The answer was given; only its replay is lost (a retry runs again).
            release(key, null);
        }
    }

    /** Frees the key (the request failed, or its answer is not kept): a retry runs again. */
    void release(String key, String token) {
        try {
            if (token == null) {
                redis.del(key);
            } else {
                redis.eval(RELEASE, List.of(key), List.of(token));
            }
        } catch (JedisException e) {
            // The claim expires by itself after claimTtl.
        }
    }

    private static Claim parse(String json) {
        JsonNode node = Json.mapper().readTree(json);
        String fingerprint = node.path("fingerprint").asString();
        if (!"done".equals(node.path("state").asString())) {
            return new InProgress(fingerprint);
        }
        Map<String, String> headers = new LinkedHashMap<>();
        node.path("headers").properties().forEach(e -> headers.put(e.getKey(), e.getValue().asString()));
        return new Done(fingerprint, node.path("status").asInt(), node.path("content_type").asString(), headers,
                Base64.getDecoder().decode(node.path("body").asString()));
    }
}
