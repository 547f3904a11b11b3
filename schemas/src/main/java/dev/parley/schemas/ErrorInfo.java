package dev.parley.schemas;

import java.util.Objects;

/**
 * Why a prompt failed: a stable code and a message naming the problem.
 *
 * @param code         stable error code, e.g. {@code context_overflow}, {@code rate_limited}
 * @param message      what went wrong, for people
 * @param retryAfterMs for {@code rate_limited}: milliseconds until the tenant's quota admits a turn again; else
 *                     {@code null}
 */
public record ErrorInfo(String code, String message, Long retryAfterMs) {
    public ErrorInfo {
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(message, "message");
        if (retryAfterMs != null && retryAfterMs < 0) {
            throw new IllegalArgumentException("retry_after_ms must be >= 0, got " + retryAfterMs);
        }
    }

    /** An error without a retry-after. */
    public ErrorInfo(String code, String message) {
        this(code, message, null);
    }
}
