package dev.parley.schemas;

import java.util.List;
import java.util.Objects;

/**
 * Text generated so far for a streamed prompt (schema {@code chunk.v1.json}), published on the reply topic before
 * the final {@link Reply}.
 *
 * @param type           always {@value #TYPE}: tells chunks from replies on the reply topic
 * @param requestId      the prompt's request id
 * @param conversationId the prompt's conversation id
 * @param seq            0-based position within the attempt
 * @param attempt        1-based generation attempt; a higher one replaces the text of earlier ones
 * @param delta          the answer's text generated since the previous chunk
 * @param worker         the worker generating
 * @param toolCalls      pieces of tool calls generated since the previous chunk, or {@code null}: none
 * @param reasoningContent a reasoning model's thinking generated since the previous chunk, or {@code null}: none
 */
public record Chunk(String type, String requestId, String conversationId, int seq, int attempt, String delta,
                    String worker, List<ToolCallDelta> toolCalls, String reasoningContent) {

    public static final String TYPE = "chunk";

    public Chunk {
        type = TYPE;
        Objects.requireNonNull(requestId, "request_id");
        Objects.requireNonNull(conversationId, "conversation_id");
        Objects.requireNonNull(delta, "delta");
        if (seq < 0) {
            throw new IllegalArgumentException("seq must be >= 0, got " + seq);
        }
        attempt = Math.max(1, attempt);
        toolCalls = toolCalls == null || toolCalls.isEmpty() ? null : List.copyOf(toolCalls);
    }

    public static Chunk of(String requestId, String conversationId, int seq, int attempt, String delta, String worker) {
        return new Chunk(TYPE, requestId, conversationId, seq, attempt, delta, worker, null, null);
    }

    /** This chunk carrying pieces of tool calls as well. */
    public Chunk withToolCalls(List<ToolCallDelta> deltas) {
        return new Chunk(type, requestId, conversationId, seq, attempt, delta, worker, deltas, reasoningContent);
    }

    /** This chunk carrying a piece of reasoning as well ({@code null} or empty: none). */
    public Chunk withReasoning(String reasoning) {
        return new Chunk(type, requestId, conversationId, seq, attempt, delta, worker, toolCalls,
                reasoning == null || reasoning.isEmpty() ? null : reasoning);
    }
}
