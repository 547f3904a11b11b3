package dev.parley.gateway.ops;

import dev.parley.gateway.http.HttpExchange;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * {@code /health} (200 while {@link GatewayHealth} says so, else 503), {@code /metrics} (Prometheus text) and
 * {@code /openapi.json} (the routes this gateway serves, as OpenAPI 3.0: a subset of OpenAI's API).
 */
public final class OpsRoutes {

    /** Where the OpenAPI document lives on the class path. */
    static final String OPENAPI_RESOURCE = "/dev/parley/gateway/openapi.json";

    private final PrometheusMeterRegistry registry;
    private final GatewayHealth health;
    private final byte[] openapi;

    public OpsRoutes(PrometheusMeterRegistry registry, GatewayHealth health) {
        this.registry = registry;
        this.health = health;
        try (InputStream in = OpsRoutes.class.getResourceAsStream(OPENAPI_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(OPENAPI_RESOURCE + " is missing from the gateway's jar");
            }
            this.openapi = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void openapi(HttpExchange exchange) {
        exchange.send(200, "application/json", openapi);
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
