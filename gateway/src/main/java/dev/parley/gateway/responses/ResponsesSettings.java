package dev.parley.gateway.responses;

import java.time.Duration;
import java.util.Objects;

/**
 * Bounds of the Responses API's state in Redis (docs/gateway.md, "Responses").
 *
 * @param retention         how long a stored response (and so a {@code previous_response_id} chain through it) is
 *                          kept after it was created
 * @param maxStoredPerTenant the most stored responses one tenant holds; past it the oldest are deleted first
 * @param idempotencyWindow how long an {@code Idempotency-Key} answers with its first answer
 * @param idempotencyMaxBytes the largest answer kept for replay; a larger one releases its key instead (a retry then
 *                          runs again)
 * @param maxBackground     background responses one gateway has waiting for their replies at once (429 past it)
 */
public record ResponsesSettings(Duration retention, int maxStoredPerTenant, Duration idempotencyWindow,
                                int idempotencyMaxBytes, int maxBackground) {

    public static final Duration DEFAULT_RETENTION = Duration.ofDays(30);
    public static final int DEFAULT_MAX_STORED_PER_TENANT = 100_000;
    public static final Duration DEFAULT_IDEMPOTENCY_WINDOW = Duration.ofHours(24);
    public static final int DEFAULT_IDEMPOTENCY_MAX_BYTES = 1 << 20;
    public static final int DEFAULT_MAX_BACKGROUND = 256;

    public static final ResponsesSettings DEFAULTS = new ResponsesSettings(DEFAULT_RETENTION,
            DEFAULT_MAX_STORED_PER_TENANT, DEFAULT_IDEMPOTENCY_WINDOW, DEFAULT_IDEMPOTENCY_MAX_BYTES, DEFAULT_MAX_BACKGROUND);

    public ResponsesSettings {
        Objects.requireNonNull(retention, "retention");
        Objects.requireNonNull(idempotencyWindow, "idempotencyWindow");
        if (retention.toSeconds() < 1 || idempotencyWindow.toSeconds() < 1) {
            throw new IllegalArgumentException("retention and idempotencyWindow must be at least 1 s, got "
                    + retention + " and " + idempotencyWindow);
        }
        if (maxStoredPerTenant < 1 || idempotencyMaxBytes < 1 || maxBackground < 1) {
            throw new IllegalArgumentException("maxStoredPerTenant, idempotencyMaxBytes and maxBackground must be >= 1,"
                    + " got " + maxStoredPerTenant + ", " + idempotencyMaxBytes + " and " + maxBackground);
        }
    }
}
