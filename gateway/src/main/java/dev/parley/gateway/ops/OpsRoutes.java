package dev.parley.gateway.ops;

import dev.parley.gateway.http.HttpExchange;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** {@code /health} (200 while {@link GatewayHealth} says so, else 503) and {@code /metrics} (Prometheus text). */
public final class OpsRoutes {

    private final PrometheusMeterRegistry registry;
    private final GatewayHealth health;

    public OpsRoutes(PrometheusMeterRegistry registry, GatewayHealth health) {
        this.registry = registry;
        this.health = health;
    }

    public void health(HttpExchange exchange) throws IOException {
        GatewayHealth.Report report = health.report();
        exchange.json(report.status(), report.body());
    }

    public void metrics(HttpExchange exchange) throws IOException {
        exchange.send(200, "text/plain; version=0.0.4; charset=utf-8",
                registry.scrape().getBytes(StandardCharsets.UTF_8));
    }
}
