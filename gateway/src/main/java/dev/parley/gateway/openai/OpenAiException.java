package dev.parley.gateway.openai;

import java.time.Duration;

/**
 * An error answered in OpenAI's shape: {@code {"error": {"message", "type", "param", "code"}}} with an HTTP status.
 * The static factories give the usual status and type for each kind of failure.
 */
public final class OpenAiException extends RuntimeException {

    private final int status;
    private final String type;
    private final String param;
    private final String code;
    private final Duration retryAfter;

    public OpenAiException(int status, String type, String param, String code, String message) {
        this(status, type, param, code, message, null);
    }

    private OpenAiException(int status, String type, String param, String code, String message, Duration retryAfter) {
        super(message);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
        this.retryAfter = retryAfter;
    }

    /** 400 naming the offending parameter. */
    public static OpenAiException invalidParam(String param, String message) {
        return new OpenAiException(400, "invalid_request_error", param, "invalid_value", message);
    }

    /** 400 for a parameter OpenAI knows but Parley does not support yet. */
    public static OpenAiException unsupportedParam(String param, String message) {
        return new OpenAiException(400, "invalid_request_error", param, "unsupported_parameter", message);
    }

    /** 400 for a request that is not JSON or not an object. */
    public static OpenAiException badRequest(String message) {
        return new OpenAiException(400, "invalid_request_error", null, null, message);
    }

    public static OpenAiException unauthorized(String message) {
        return new OpenAiException(401, "invalid_request_error", null, "invalid_api_key", message);
    }

    public static OpenAiException notFound(String param, String code, String message) {
        return new OpenAiException(404, "invalid_request_error", param, code, message);
    }

    public static OpenAiException methodNotAllowed(String method, String path) {
        return new OpenAiException(405, "invalid_request_error", null, null,
                "method " + method + " is not allowed on " + path);
    }

    /** 429: the gateway sheds load rather than queueing without bound. */
    public static OpenAiException overloaded(String message) {
        return new OpenAiException(429, "rate_limit_error", null, "rate_limit_exceeded", message);
    }

    /** 429 with the time after which a retry may succeed (the {@code Retry-After} header). */
    public static OpenAiException overloaded(String message, Duration retryAfter) {
        return new OpenAiException(429, "rate_limit_error", null, "rate_limit_exceeded", message, retryAfter);
    }

    /**
     * 429 as OpenAI answers a tokens-per-minute limit (type {@code tokens}, code {@code rate_limit_exceeded}): the
     * tenant is over its token quota; {@code retryAfter} goes into the {@code Retry-After} and {@code retry-after-ms}
     * headers, which OpenAI's client libraries honour.
     */
    public static OpenAiException tokensRateLimited(String message, Duration retryAfter) {
        return new OpenAiException(429, "tokens", null, "rate_limit_exceeded", message, retryAfter);
    }

    /** 503: no worker answered (or started) in time. */
    public static OpenAiException unavailable(String message) {
        return new OpenAiException(503, "server_error", null, "service_unavailable", message);
    }

    /** 504: the request's timeout ran out. */
    public static OpenAiException timeout(String message) {
        return new OpenAiException(504, "server_error", null, "timeout", message);
    }

    public static OpenAiException internal(String message) {
        return new OpenAiException(500, "server_error", null, null, message);
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String param() {
        return param;
    }

    public String code() {
        return code;
    }

    /** When the client may try again, or {@code null} when the error says nothing about it. */
    public Duration retryAfter() {
        return retryAfter;
    }
}
