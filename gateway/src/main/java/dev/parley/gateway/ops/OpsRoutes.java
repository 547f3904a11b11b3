package dev.parley.gateway.ops;

import dev.parley.gateway.http.HttpExchange;
import dev.parley.gateway.openai.Json;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;

/** {@code /health} (200 while Redis, when configured, answers; else 503) and {@code /metrics} (Prometheus text). */
public final class OpsRoutes {

    private final PrometheusMeterRegistry registry;
    private final BooleanSupplier redisReachable;

    public OpsRoutes(PrometheusMeterRegistry registry, BooleanSupplier redisReachable) {
        this.registry = registry;
        this.redisReachable = redisReachable;
    }

    public void health(HttpExchange exchange) throws IOException {
        boolean redis = redisReachable.getAsBoolean();
        exchange.json(redis ? 200 : 503, Json.object("status", redis ? "ok" : "degraded", "redis", redis));
    }

    public void metrics(HttpExchange exchange) throws IOException {
        exchange.send(200, "text/plain; version=0.0.4; charset=utf-8",
                registry.scrape().getBytes(StandardCharsets.UTF_8));
    }
}
