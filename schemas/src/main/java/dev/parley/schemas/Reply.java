package dev.parley.schemas;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.List;
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
 * @param toolCalls      the tools the model called (finish reason {@code tool_calls}), or {@code null}: none
 * @param reasoningContent what a reasoning model thought before its answer ({@code content} holds only the answer),
 *                       or {@code null}: the model did not reason aloud
 * @param logprobs       the log probability of each generated token, in order ({@link GenerationParams#logprobs()}),
 *                       or {@code null}: not asked for
 * @param choices        every answer when the prompt asked for several ({@link GenerationParams#n()}), choice 0 being
 *                       the one above (its log probabilities are {@code logprobs}, not repeated there), or
 *                       {@code null}: one answer
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
        Map<String, String> metadata,
        List<ToolCall> toolCalls,
        String reasoningContent,
        List<TokenLogprob> logprobs,
        List<Choice> choices) {

    public Reply {
        Objects.requireNonNull(requestId, "request_id");
        Objects.requireNonNull(conversationId, "conversation_id");
        Objects.requireNonNull(status, "status");
        metadata = metadata == null ? null : Map.copyOf(metadata);
        toolCalls = toolCalls == null || toolCalls.isEmpty() ? null : List.copyOf(toolCalls);
        logprobs = logprobs == null ? null : List.copyOf(logprobs);
        choices = choices == null || choices.isEmpty() ? null : List.copyOf(choices);
    }

    /** A reply with one answer. */
    public Reply(String requestId, String conversationId, ReplyStatus status, String content,
                 FinishReason finishReason, Usage usage, Timings timings, Integer turn, Integer droppedTurns,
                 String model, String worker, ErrorInfo error, Map<String, String> metadata, List<ToolCall> toolCalls,
                 String reasoningContent, List<TokenLogprob> logprobs) {
        this(requestId, conversationId, status, content, finishReason, usage, timings, turn, droppedTurns, model,
                worker, error, metadata, toolCalls, reasoningContent, logprobs, null);
    }

    /** A reply without log probabilities. */
    public Reply(String requestId, String conversationId, ReplyStatus status, String content,
                 FinishReason finishReason, Usage usage, Timings timings, Integer turn, Integer droppedTurns,
                 String model, String worker, ErrorInfo error, Map<String, String> metadata, List<ToolCall> toolCalls,
                 String reasoningContent) {
        this(requestId, conversationId, status, content, finishReason, usage, timings, turn, droppedTurns, model,
                worker, error, metadata, toolCalls, reasoningContent, null);
    }

    /** Whether the status is {@link ReplyStatus#OK}. */
    @JsonIgnore
    public boolean isOk() {
        return status == ReplyStatus.OK;
    }

    /** An empty builder; {@link Builder#build()} needs at least a request id, a conversation id and a status. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this reply's values, to make a changed copy: {@code reply.newBuilder().timings(t).build()}. */
    public Builder newBuilder() {
        return new Builder(this);
    }

    /** The same reply with other timings: a republished stored reply keeps everything else. */
    public Reply withTimings(Timings newTimings) {
        return newBuilder().timings(newTimings).build();
    }

    /**
     * Builds a {@link Reply}; a value not set is absent on the wire, and {@link #build()} applies the record's checks.
     * Adding a field to the contract is adding it here and to the record.
     */
    public static final class Builder {
        private String requestId;
        private String conversationId;
        private ReplyStatus status;
        private String content;
        private FinishReason finishReason;
        private Usage usage;
        private Timings timings;
        private Integer turn;
        private Integer droppedTurns;
        private String model;
        private String worker;
        private ErrorInfo error;
        private Map<String, String> metadata;
        private List<ToolCall> toolCalls;
        private String reasoningContent;
        private List<TokenLogprob> logprobs;
        private List<Choice> choices;

        private Builder() {
        }

        private Builder(Reply reply) {
            requestId = reply.requestId;
            conversationId = reply.conversationId;
            status = reply.status;
            content = reply.content;
            finishReason = reply.finishReason;
            usage = reply.usage;
            timings = reply.timings;
            turn = reply.turn;
            droppedTurns = reply.droppedTurns;
            model = reply.model;
            worker = reply.worker;
            error = reply.error;
            metadata = reply.metadata;
            toolCalls = reply.toolCalls;
            reasoningContent = reply.reasoningContent;
            logprobs = reply.logprobs;
            choices = reply.choices;
        }

        public Builder requestId(String value) {
            requestId = value;
            return this;
        }

        public Builder conversationId(String value) {
            conversationId = value;
            return this;
        }

        public Builder status(ReplyStatus value) {
            status = value;
            return this;
        }

        public Builder content(String value) {
            content = value;
            return this;
        }

        public Builder finishReason(FinishReason value) {
            finishReason = value;
            return this;
        }

        public Builder usage(Usage value) {
            usage = value;
            return this;
        }

        public Builder timings(Timings value) {
            timings = value;
            return this;
        }

        public Builder turn(Integer value) {
            turn = value;
            return this;
        }

        public Builder droppedTurns(Integer value) {
            droppedTurns = value;
            return this;
        }

        public Builder model(String value) {
            model = value;
            return this;
        }

        public Builder worker(String value) {
            worker = value;
            return this;
        }

        public Builder error(ErrorInfo value) {
            error = value;
            return this;
        }

        public Builder metadata(Map<String, String> value) {
            metadata = value;
            return this;
        }

        public Builder toolCalls(List<ToolCall> value) {
            toolCalls = value;
            return this;
        }

        public Builder reasoningContent(String value) {
            reasoningContent = value;
            return this;
        }

        public Builder logprobs(List<TokenLogprob> value) {
            logprobs = value;
            return this;
        }

        public Builder choices(List<Choice> value) {
            choices = value;
            return this;
        }

        /** The reply; throws as the record's constructor does on a missing id or status. */
        public Reply build() {
            return new Reply(requestId, conversationId, status, content, finishReason, usage, timings, turn,
                    droppedTurns, model, worker, error, metadata, toolCalls, reasoningContent, logprobs, choices);
        }
    }
}
