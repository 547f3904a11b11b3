package dev.parley.worker.ops;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.parley.worker.config.SettingsException;
import dev.parley.worker.health.Health;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's operations endpoints on one port: {@code /metrics} (Prometheus text format), {@code /health} (200
 * while every part of the worker lives and makes progress, else 503 naming the parts that do not) and {@code /ready}
 * (200 when {@link Readiness#ready()}, else 503, with the details as JSON). It binds its port before the model
 * loads, so a taken port is reported at once; until {@link #serve} is called, /ready answers 503 (starting).
 *
 * <p>Requests are answered by {@link #THREADS} threads, so one slow answer (a scrape of many meters, say) never holds a
 * liveness probe up; /ready's own checks are cached ({@link CachedCheck}) and never wait on Redis.
 */
public final class OpsServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(OpsServer.class);
    /** Threads answering requests: a probe, a scrape and a person's curl at once, with one to spare. */
    static final int THREADS = 4;

    private final HttpServer server;
    private final ExecutorService executor;
    private volatile Supplier<Readiness> readiness;
    private volatile Supplier<Health> health;

    private OpsServer(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /** Starts serving on {@code port} (0: any free port) on all interfaces. */
    public static OpsServer start(int port, PrometheusMeterRegistry registry) {
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(port), 16);
        } catch (IOException e) {
            throw new SettingsException(java.util.List.of("http-port " + port + " cannot be bound (" + e.getMessage()
                    + "): another process uses it? Set --http-port to a free port, 0 to pick one, or -1 for none"));
        }
        java.util.concurrent.atomic.AtomicInteger counter = new java.util.concurrent.atomic.AtomicInteger();
        ExecutorService executor = Executors.newFixedThreadPool(THREADS, r -> {
            Thread thread = new Thread(r, "parley-http-" + counter.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        OpsServer ops = new OpsServer(server, executor);
        server.createContext("/metrics", exchange -> respond(exchange, 200,
                "text/plain; version=0.0.4; charset=utf-8", registry.scrape()));
        server.createContext("/health", ops::health);
        server.createContext("/ready", ops::ready);
        server.setExecutor(executor);
        server.start();
        log.info("Serving /metrics, /health, /ready on port {}", server.getAddress().getPort());
        return ops;
    }

    /** Starts serving with the worker's state already known. */
    public static OpsServer start(int port, PrometheusMeterRegistry registry, Supplier<Readiness> readiness,
                                  Supplier<Health> health) {
        return start(port, registry).serve(readiness, health);
    }

    /** Answers /ready and /health from the running worker's state. */
    public OpsServer serve(Supplier<Readiness> readiness, Supplier<Health> health) {
        this.readiness = readiness;
        this.health = health;
        return this;
    }

    private void health(HttpExchange exchange) throws IOException {
        Supplier<Health> source = health;
        if (source == null) {
            respond(exchange, 200, "application/json", "{\"status\":\"STARTING\"}");
            return;
        }
        Health state = source.get();
        StringBuilder parts = new StringBuilder();
        for (Health.PartHealth part : state.parts()) {
            parts.append(parts.length() == 0 ? "" : ",").append('"').append(part.name()).append("\":")
                    .append(part.healthy() ? "\"UP\"" : "\"DOWN: " + jsonText(part.problem()) + "\"");
        }
        respond(exchange, state.healthy() ? 200 : 503, "application/json",
                "{\"status\":\"" + (state.healthy() ? "UP" : "DOWN") + "\",\"parts\":{" + parts + "}}");
    }

    private void ready(HttpExchange exchange) throws IOException {
        Supplier<Readiness> source = readiness;
        if (source == null) {
            respond(exchange, 503, "application/json", "{\"ready\":false,\"model_loaded\":false}");
            return;
        }
        Readiness state = source.get();
        String body = String.format("{\"ready\":%s,\"model_loaded\":%s,\"group_joined\":%s,\"redis_reachable\":%s,"
                        + "\"broker_connected\":%s,\"healthy\":%s}",
                state.ready(), state.modelLoaded(), state.groupJoined(), state.redisReachable(), state.brokerConnected(),
                state.healthy());
        respond(exchange, state.ready() ? 200 : 503, "application/json", body);
    }

    private static String jsonText(String text) {
        return text == null ? "" : text.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private static void respond(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
