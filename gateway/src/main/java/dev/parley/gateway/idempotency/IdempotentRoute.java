package dev.parley.gateway.idempotency;

import dev.parley.gateway.auth.Tenant;
import dev.parley.gateway.http.HttpExchange;
import dev.parley.gateway.http.Recording;
import dev.parley.gateway.http.Route;
import dev.parley.gateway.openai.OpenAiException;
import dev.parley.gateway.ops.GatewayMetrics;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.UUID;

/**
 * Answers a POST with an {@code Idempotency-Key} header once: the same key and body within the window get the first
 * answer again (a stream replays its events; header {@code Idempotent-Replayed: true}); the same key with another body
 * gets 409, as does a retry while the first is still being answered. Only a successful answer (2xx) is kept: after an
 * error the key is free and a retry runs again. Keys are per tenant and per route. Without the header the route runs
 * as it is.
 */
public final class IdempotentRoute implements Route {

    public static final String HEADER = "Idempotency-Key";
    public static final String REPLAYED_HEADER = "Idempotent-Replayed";
    private static final int MAX_KEY_CHARS = 255;

    private final Route route;
    private final String routeName;
    private final IdempotencyStore store;
    private final int maxBytes;
    private final GatewayMetrics metrics;

    IdempotentRoute(Route route, String routeName, IdempotencyStore store, int maxBytes, GatewayMetrics metrics) {
        this.route = route;
        this.routeName = routeName;
        this.store = store;
        this.maxBytes = maxBytes;
        this.metrics = metrics;
    }

    @Override
    public void handle(HttpExchange exchange) throws Exception {
        String idempotencyKey = exchange.header(HEADER);
        if (idempotencyKey == null) {
            route.handle(exchange);
            return;
        }
        if (idempotencyKey.isEmpty() || idempotencyKey.length() > MAX_KEY_CHARS
                || !StandardCharsets.US_ASCII.newEncoder().canEncode(idempotencyKey)) {
            throw OpenAiException.invalidParam(HEADER, HEADER + " must be 1-" + MAX_KEY_CHARS + " ASCII characters");
        }
        Tenant tenant = exchange.attachment();
        String key = IdempotencyStore.key(tenant.name(), sha256((routeName + "\n" + idempotencyKey)
                .getBytes(StandardCharsets.UTF_8)));
        String fingerprint = sha256(exchange.body());
        IdempotencyStore.Claim claim = store.claim(key, fingerprint, UUID.randomUUID().toString());
        if (claim instanceof IdempotencyStore.Claimed claimed) {
            answerFirst(exchange, key, fingerprint, claimed.token());
        } else if (claim instanceof IdempotencyStore.Done done && done.fingerprint().equals(fingerprint)) {
            metrics.idempotency("replayed");
            replay(exchange, done);
        } else {
            metrics.idempotency("conflict");
            boolean sameBody = claim instanceof IdempotencyStore.InProgress p && p.fingerprint().equals(fingerprint);
            throw new OpenAiException(409, "invalid_request_error", HEADER, "idempotency_key_conflict", sameBody
                    ? "a request with this " + HEADER + " is still being answered; retry once it is done"
                    : "this " + HEADER + " was used with a different request body");
        }
    }

    private void answerFirst(HttpExchange exchange, String key, String fingerprint, String token) throws Exception {
        Recording answer = exchange.record(maxBytes);
        boolean kept = false;
        try {
            route.handle(exchange);
            if (answer.replayable() && answer.status() >= 200 && answer.status() < 300) {
                store.complete(key, fingerprint, answer);
                kept = true;
                metrics.idempotency("first");
            }
        } finally {
            if (!kept) {
                store.release(key, token);
                metrics.idempotency("released");
            }
        }
    }

    private static void replay(HttpExchange exchange, IdempotencyStore.Done done) {
        for (Map.Entry<String, String> header : done.headers().entrySet()) {
            exchange.header(header.getKey(), header.getValue());
        }
        exchange.header(REPLAYED_HEADER, "true");
        exchange.send(done.status(), done.contentType(), done.body());
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
