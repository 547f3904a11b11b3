package dev.parley.gateway.idempotency;

import dev.parley.gateway.http.Route;
import dev.parley.gateway.ops.GatewayMetrics;
import dev.parley.gateway.responses.ResponsesSettings;
import java.time.Duration;
import redis.clients.jedis.RedisClient;

/** Wraps the routes that take an {@code Idempotency-Key} ({@link IdempotentRoute}), sharing one store. */
public final class IdempotencyKeys {

    private final IdempotencyStore store;
    private final int maxBytes;
    private final GatewayMetrics metrics;

    /**
     * @param requestTimeout the longest a request may take: how long a claim outlives a gateway that died holding it
     */
    public IdempotencyKeys(RedisClient redis, ResponsesSettings settings, Duration requestTimeout,
                           GatewayMetrics metrics) {
        this.store = new IdempotencyStore(redis, settings.idempotencyWindow(), requestTimeout.plusSeconds(30));
        this.maxBytes = settings.idempotencyMaxBytes();
        this.metrics = metrics;
    }

    /** {@code route} answering each key once; {@code name} (its path) keeps keys of different routes apart. */
    public Route wrap(String name, Route route) {
        return new IdempotentRoute(route, name, store, maxBytes, metrics);
    }
}
