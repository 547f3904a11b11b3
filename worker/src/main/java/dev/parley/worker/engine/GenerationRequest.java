package dev.parley.worker.engine;

import java.time.Instant;
import java.util.Objects;

/**
 * @param conversationId the conversation, so the engine can keep its cache warm
 * @param transcript     what to show the model
 * @param sampling       how to sample
 * @param deadline       stop generating at this instant ({@code null}: no deadline)
 */
public record GenerationRequest(String conversationId, Transcript transcript, Sampling sampling, Instant deadline) {
    public GenerationRequest {
        Objects.requireNonNull(conversationId, "conversationId");
        Objects.requireNonNull(transcript, "transcript");
        Objects.requireNonNull(sampling, "sampling");
    }
}
