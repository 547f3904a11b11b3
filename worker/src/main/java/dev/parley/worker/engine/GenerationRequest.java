package dev.parley.worker.engine;

import dev.parley.schemas.Priority;
import java.time.Instant;
import java.util.Objects;
import java.util.function.BooleanSupplier;

/**
 * @param conversationId the conversation, so the engine can keep its cache warm
 * @param transcript     what to show the model
 * @param sampling       how to sample
 * @param deadline       stop generating at this instant ({@code null}: no deadline)
 * @param cancelled      asked between tokens: true stops generation ({@link dev.parley.schemas.FinishReason#CANCELLED})
 * @param priority       the turn's lane: an engine admits interactive generations first, and the native engine may
 *                       pause a batch generation for an interactive one
 */
public record GenerationRequest(String conversationId, Transcript transcript, Sampling sampling, Instant deadline,
                                BooleanSupplier cancelled, Priority priority) {

    public GenerationRequest {
        Objects.requireNonNull(conversationId, "conversationId");
        Objects.requireNonNull(transcript, "transcript");
        Objects.requireNonNull(sampling, "sampling");
        cancelled = cancelled == null ? () -> false : cancelled;
        priority = priority == null ? Priority.DEFAULT : priority;
    }

    public GenerationRequest(String conversationId, Transcript transcript, Sampling sampling, Instant deadline,
                             BooleanSupplier cancelled) {
        this(conversationId, transcript, sampling, deadline, cancelled, null);
    }

    /** This request in another lane. */
    public GenerationRequest withPriority(Priority value) {
        return new GenerationRequest(conversationId, transcript, sampling, deadline, cancelled, value);
    }

    public GenerationRequest(String conversationId, Transcript transcript, Sampling sampling, Instant deadline) {
        this(conversationId, transcript, sampling, deadline, null);
    }
}
