package dev.parley.client;

import java.time.Duration;

/**
 * An interactive request was refused before it was sent: its model's pool had more work waiting than the client's
 * {@link AdmissionPolicy} allows, or would not reach it before its deadline. Nothing was published; the same request
 * may be sent again after {@link #retryAfter()}. Batch work is never refused this way.
 */
public class ParleyOverloadedException extends ParleyException {

    private static final long serialVersionUID = 1L;

    private final String model;
    private final String reason;
    private final Duration retryAfter;

    public ParleyOverloadedException(String model, AdmissionPolicy.Refusal refusal) {
        super("model " + model + " is overloaded: " + refusal.message() + "; retry after " + refusal.retryAfter());
        this.model = model;
        this.reason = refusal.reason();
        this.retryAfter = refusal.retryAfter();
    }

    /** The model whose pool is overloaded. */
    public String model() {
        return model;
    }

    /**
     * Which bound was passed: {@code waiting_turns}, {@code tenant_waiting_turns}, {@code waiting_prompt_tokens} or
     * {@code deadline}.
     */
    public String reason() {
        return reason;
    }

    /** How long to wait before sending again: the estimated time for the waiting work to fall back under the bound. */
    public Duration retryAfter() {
        return retryAfter;
    }
}
