package dev.parley.worker.turn;

import dev.parley.schemas.Choice;
import dev.parley.schemas.ErrorInfo;
import dev.parley.schemas.FinishReason;
import dev.parley.schemas.Prompt;
import dev.parley.schemas.Reply;
import dev.parley.schemas.ReplyStatus;
import dev.parley.schemas.Timings;
import dev.parley.schemas.Usage;
import dev.parley.worker.dispatch.PendingTurn;
import dev.parley.worker.engine.Generation;
import dev.parley.worker.engine.template.ReasoningSplitter;
import dev.parley.worker.engine.template.ReasoningStart;
import dev.parley.worker.engine.tools.ParsedAnswer;
import dev.parley.worker.quota.QuotaRefusal;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Builds the replies a turn can end with; one place for their shape. */
final class ReplyFactory {

    private final String model;
    private final String workerId;

    ReplyFactory(String model, String workerId) {
        this.model = model;
        this.workerId = workerId;
    }

    /** The answer; a reasoning model's thinking goes to {@code reasoning_content}, its answer to {@code content}. */
    Reply ok(PendingTurn turn, int turnNumber, Generation generation, Optional<ReasoningStart> reasoning,
             long startNanos) {
        Prompt prompt = turn.prompt();
        // queued: until a slot started the turn, the engine's own queue included; first token: from then on
        Timings timings = new Timings(millis(startNanos - turn.arrivedNanos() + generation.queuedNanos()),
                millis(generation.startedToFirstTokenNanos()), millis(System.nanoTime() - turn.arrivedNanos()));
        Reply reply = withText(reply(prompt, ReplyStatus.OK), generation.text(), reasoning)
                .finishReason(generation.finishReason()).usage(usage(generation)).timings(timings).turn(turnNumber)
                .droppedTurns(generation.droppedTurns()).logprobs(generation.logprobs()).build();
        return generation.otherChoices().isEmpty() ? reply : reply.newBuilder().choices(choices(reply, generation,
                reasoning)).build();
    }

    /**
     * Every answer of a turn that asked for several: the reply's own first, then the others, each split as the first
     * is when the model reasons aloud.
     */
    private static List<Choice> choices(Reply first, Generation generation, Optional<ReasoningStart> reasoning) {
        List<Choice> choices = new ArrayList<>();
        // choice 0's log probabilities are the reply's own, not repeated
        choices.add(new Choice(0, first.content(), first.finishReason(), generation.completionTokens(), null));
        for (Generation.Choice other : generation.otherChoices()) {
            String content = reasoning.map(r -> r.split(other.text()).content()).orElse(other.text());
            choices.add(new Choice(choices.size(), content, other.finishReason(), other.completionTokens(),
                    other.logprobs()));
        }
        return choices;
    }

    /**
     * The answer called tools: the calls, the text beside them as content ({@code null} when there was none), and
     * finish reason {@code tool_calls} (unless generation was cut off: then its own reason stands).
     */
    Reply toolCalls(PendingTurn turn, int turnNumber, Generation generation, Optional<ReasoningStart> reasoning,
                    long startNanos, ParsedAnswer calls) {
        Reply ok = ok(turn, turnNumber, generation, reasoning, startNanos);
        FinishReason reason = generation.finishReason() == FinishReason.STOP ? FinishReason.TOOL_CALLS
                : generation.finishReason();
        return ok.newBuilder().content(calls.content().isEmpty() ? null : calls.content()).toolCalls(calls.calls())
                .finishReason(reason).build();
    }

    /** The deadline passed before the answer's first token: nothing was said, nothing enters the history. */
    Reply expired(PendingTurn turn, long startNanos, Generation generation) {
        Prompt prompt = turn.prompt();
        String when = generation == null ? "before the turn started" : "before the first token";
        return reply(prompt, ReplyStatus.EXPIRED).finishReason(FinishReason.DEADLINE)
                .usage(generation == null ? Usage.NONE : usage(generation)).timings(timings(turn, startNanos))
                .error(new ErrorInfo("deadline_passed", "the deadline " + prompt.deadline() + " passed " + when))
                .build();
    }

    Reply cancelled(PendingTurn turn, long startNanos, Generation generation) {
        return cancelled(turn, startNanos, generation, Optional.empty());
    }

    /** Cancelled while generating: the partial text, split as {@link #ok} splits it. */
    Reply cancelled(PendingTurn turn, long startNanos, Generation generation, Optional<ReasoningStart> reasoning) {
        Prompt prompt = turn.prompt();
        Reply.Builder reply = reply(prompt, ReplyStatus.CANCELLED);
        return (generation == null ? reply : withText(reply, generation.text(), reasoning))
                .finishReason(FinishReason.CANCELLED).usage(generation == null ? Usage.NONE : usage(generation))
                .logprobs(generation == null ? null : generation.logprobs())
                .timings(timings(turn, startNanos))
                .error(new ErrorInfo("cancelled", generation == null
                        ? "cancelled before the turn started" : "cancelled while generating"))
                .build();
    }

    /**
     * The answer does not have the shape its response format asks for (cut off by max_tokens, a stop string or the
     * deadline): an error with the text as generated and the real finish reason, so the caller sees what happened.
     * Nothing enters the history.
     */
    Reply invalidOutput(PendingTurn turn, long startNanos, Generation generation, String problem) {
        Prompt prompt = turn.prompt();
        Timings timings = new Timings(millis(startNanos - turn.arrivedNanos()), millis(generation.firstTokenNanos()),
                millis(System.nanoTime() - turn.arrivedNanos()));
        return reply(prompt, ReplyStatus.ERROR).content(generation.text()).finishReason(generation.finishReason())
                .usage(usage(generation)).timings(timings).droppedTurns(generation.droppedTurns())
                .logprobs(generation.logprobs()).error(new ErrorInfo("invalid_output", problem)).build();
    }

    Reply error(PendingTurn turn, long startNanos, String code, String message) {
        Prompt prompt = turn.prompt();
        return reply(prompt, ReplyStatus.ERROR).finishReason(FinishReason.ERROR).usage(Usage.NONE)
                .timings(timings(turn, startNanos)).error(new ErrorInfo(code, message)).build();
    }

    /**
     * The tenant was over its token quota: nothing generated, nothing stored; the error says when to send it again.
     */
    Reply rateLimited(PendingTurn turn, long startNanos, QuotaRefusal refusal) {
        Prompt prompt = turn.prompt();
        return reply(prompt, ReplyStatus.RATE_LIMITED).usage(Usage.NONE).timings(timings(turn, startNanos))
                .error(new ErrorInfo("rate_limited", refusal.message(), refusal.retryAfterMs())).build();
    }

    /** The generated text as content, or split into reasoning and answer for a reasoning model. */
    private static Reply.Builder withText(Reply.Builder reply, String text, Optional<ReasoningStart> reasoning) {
        if (reasoning.isEmpty()) {
            return reply.content(text);
        }
        ReasoningSplitter.Delta parts = reasoning.get().split(text);
        return reply.content(parts.content()).reasoningContent(parts.reasoning().isEmpty() ? null : parts.reasoning());
    }

    /** What every reply of this worker to {@code prompt} carries: ids, status, model, worker, echoed metadata. */
    private Reply.Builder reply(Prompt prompt, ReplyStatus status) {
        return Reply.builder().requestId(prompt.requestId()).conversationId(prompt.conversationId()).status(status)
                .model(model).worker(workerId).metadata(prompt.metadata());
    }

    private static Usage usage(Generation generation) {
        return new Usage(generation.promptTokens(), generation.cachedTokens(), generation.restoredTokens(),
                generation.allCompletionTokens(), generation.prefixTokens(), generation.diskTokens());
    }

    private static Timings timings(PendingTurn turn, long startNanos) {
        return new Timings(millis(startNanos - turn.arrivedNanos()), 0, millis(System.nanoTime() - turn.arrivedNanos()));
    }

    private static long millis(long nanos) {
        return Math.max(0, nanos / 1_000_000);
    }
}
