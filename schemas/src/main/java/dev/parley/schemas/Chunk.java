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
 * @param logprobs       the log probabilities of the tokens generated since the previous chunk, or {@code null}: none
 *                       (not asked for, or no token)
 * @param index          the answer the delta and logprobs belong to, when the prompt asked for several
 *                       ({@link GenerationParams#n()}); {@code null}: choice 0
 */
public record Chunk(String type, String requestId, String conversationId, int seq, int attempt, String delta,
                    String worker, List<ToolCallDelta> toolCalls, String reasoningContent,
                    List<TokenLogprob> logprobs, Integer index) {

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
        logprobs = logprobs == null || logprobs.isEmpty() ? null : List.copyOf(logprobs);
        index = index == null || index == 0 ? null : index;
    }

    /** A chunk of choice 0. */
    public Chunk(String type, String requestId, String conversationId, int seq, int attempt, String delta,
                 String worker, List<ToolCallDelta> toolCalls, String reasoningContent, List<TokenLogprob> logprobs) {
        this(type, requestId, conversationId, seq, attempt, delta, worker, toolCalls, reasoningContent, logprobs,
                null);
    }

    /** A chunk without log probabilities. */
    public Chunk(String type, String requestId, String conversationId, int seq, int attempt, String delta,
                 String worker, List<ToolCallDelta> toolCalls, String reasoningContent) {
        this(type, requestId, conversationId, seq, attempt, delta, worker, toolCalls, reasoningContent, null);
    }

    public static Chunk of(String requestId, String conversationId, int seq, int attempt, String delta, String worker) {
        return new Chunk(TYPE, requestId, conversationId, seq, attempt, delta, worker, null, null, null);
    }

    /** This chunk carrying pieces of tool calls as well. */
    public Chunk withToolCalls(List<ToolCallDelta> deltas) {
        return new Chunk(type, requestId, conversationId, seq, attempt, delta, worker, deltas, reasoningContent,
                logprobs, index);
    }

    /** This chunk carrying a piece of reasoning as well ({@code null} or empty: none). */
    public Chunk withReasoning(String reasoning) {
        return new Chunk(type, requestId, conversationId, seq, attempt, delta, worker, toolCalls,
                reasoning == null || reasoning.isEmpty() ? null : reasoning, logprobs, index);
    }

    /** This chunk carrying the log probabilities of its tokens as well ({@code null} or empty: none). */
    public Chunk withLogprobs(List<TokenLogprob> entries) {
        return new Chunk(type, requestId, conversationId, seq, attempt, delta, worker, toolCalls, reasoningContent,
                entries, index);
    }

    /** This chunk as a piece of choice {@code choice} (0: the first). */
    public Chunk withIndex(int choice) {
        return new Chunk(type, requestId, conversationId, seq, attempt, delta, worker, toolCalls, reasoningContent,
                logprobs, choice);
    }

    /** The choice this chunk belongs to: {@link #index()}, or 0. */
    public int choice() {
        return index == null ? 0 : index;
    }
}
