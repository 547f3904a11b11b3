package dev.parley.worker.engine;

import java.time.Instant;
import java.util.Objects;
import java.util.function.BooleanSupplier;

/**
 * @param conversationId the conversation, so the engine can keep its cache warm
 * @param transcript     what to show the model
 * @param sampling       how to sample
 * @param deadline       stop generating at this instant ({@code null}: no deadline)
 * @param cancelled      asked between tokens: true stops generation ({@link dev.parley.schemas.FinishReason#CANCELLED})
 */
public record GenerationRequest(String conversationId, Transcript transcript, Sampling sampling, Instant deadline,
                                BooleanSupplier cancelled) {

    public GenerationRequest {
        Objects.requireNonNull(conversationId, "conversationId");
        Objects.requireNonNull(transcript, "transcript");
        Objects.requireNonNull(sampling, "sampling");
        cancelled = cancelled == null ? () -> false : cancelled;
    }

    public GenerationRequest(String conversationId, Transcript transcript, Sampling sampling, Instant deadline) {
        this(conversationId, transcript, sampling, deadline, null);
    }
}
