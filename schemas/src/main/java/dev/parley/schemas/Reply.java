package dev.parley.schemas;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.Map;
import java.util.Objects;

/**
 * The final answer to one prompt (schema {@code reply.v1.json}), keyed by conversation id on the reply topic.
 *
 * @param requestId      the prompt's request id
 * @param conversationId the prompt's conversation id
 * @param status         outcome
 * @param content        the assistant's text (status ok)
 * @param finishReason   why generation ended
 * @param usage          token accounting
 * @param timings        latency breakdown
 * @param turn           1-based position of this turn in the conversation history
 * @param droppedTurns   earlier turns of the conversation not in the prompt: left out to fit the model's context, or
 *                       no longer stored by the history's bound (0 or absent: none)
 * @param model          id of the model that answered
 * @param worker         id of the worker that answered
 * @param error          what went wrong (status error)
 * @param metadata       the prompt's metadata, echoed
 */
public record Reply(
        String requestId,
        String conversationId,
        ReplyStatus status,
        String content,
        FinishReason finishReason,
        Usage usage,
        Timings timings,
        Integer turn,
        Integer droppedTurns,
        String model,
        String worker,
        ErrorInfo error,
        Map<String, String> metadata) {

    public Reply {
        Objects.requireNonNull(requestId, "request_id");
        Objects.requireNonNull(conversationId, "conversation_id");
        Objects.requireNonNull(status, "status");
        metadata = metadata == null ? null : Map.copyOf(metadata);
    }

    /** Whether the status is {@link ReplyStatus#OK}. */
    @JsonIgnore
    public boolean isOk() {
        return status == ReplyStatus.OK;
    }

    /** The same reply with other timings: a republished stored reply keeps everything else. */
    public Reply withTimings(Timings newTimings) {
        return new Reply(requestId, conversationId, status, content, finishReason, usage, newTimings,
                turn, droppedTurns, model, worker, error, metadata);
    }
}
