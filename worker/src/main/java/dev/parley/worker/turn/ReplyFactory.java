package dev.parley.worker.turn;

import dev.parley.schemas.ErrorInfo;
import dev.parley.schemas.FinishReason;
import dev.parley.schemas.Prompt;
import dev.parley.schemas.Reply;
import dev.parley.schemas.ReplyStatus;
import dev.parley.schemas.Timings;
import dev.parley.schemas.Usage;
import dev.parley.worker.dispatch.PendingTurn;
import dev.parley.worker.engine.Generation;
import dev.parley.worker.quota.QuotaRefusal;

/** Builds the replies a turn can end with; one place for their shape. */
final class ReplyFactory {

    private final String model;
    private final String workerId;

    ReplyFactory(String model, String workerId) {
        this.model = model;
        this.workerId = workerId;
    }

    Reply ok(PendingTurn turn, int turnNumber, Generation generation, long startNanos) {
        Prompt prompt = turn.prompt();
        // queued: until a slot started the turn, the engine's own queue included; first token: from then on
        Timings timings = new Timings(millis(startNanos - turn.arrivedNanos() + generation.queuedNanos()),
                millis(generation.startedToFirstTokenNanos()), millis(System.nanoTime() - turn.arrivedNanos()));
        return new Reply(prompt.requestId(), prompt.conversationId(), ReplyStatus.OK, generation.text(),
                generation.finishReason(), usage(generation), timings, turnNumber, generation.droppedTurns(), model,
                workerId, null, prompt.metadata());
    }

    /** The deadline passed before the answer's first token: nothing was said, nothing enters the history. */
    Reply expired(PendingTurn turn, long startNanos, Generation generation) {
        Prompt prompt = turn.prompt();
        String when = generation == null ? "before the turn started" : "before the first token";
        return new Reply(prompt.requestId(), prompt.conversationId(), ReplyStatus.EXPIRED, null, FinishReason.DEADLINE,
                generation == null ? Usage.NONE : usage(generation), timings(turn, startNanos), null, null, model,
                workerId, new ErrorInfo("deadline_passed", "the deadline " + prompt.deadline() + " passed " + when),
                prompt.metadata());
    }

    Reply cancelled(PendingTurn turn, long startNanos, Generation generation) {
        Prompt prompt = turn.prompt();
        return new Reply(prompt.requestId(), prompt.conversationId(), ReplyStatus.CANCELLED,
                generation == null ? null : generation.text(), FinishReason.CANCELLED,
                generation == null ? Usage.NONE : usage(generation), timings(turn, startNanos), null, null, model,
                workerId, new ErrorInfo("cancelled", generation == null
                        ? "cancelled before the turn started" : "cancelled while generating"), prompt.metadata());
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
        return new Reply(prompt.requestId(), prompt.conversationId(), ReplyStatus.ERROR, generation.text(),
                generation.finishReason(), usage(generation), timings, null, generation.droppedTurns(), model,
                workerId, new ErrorInfo("invalid_output", problem), prompt.metadata());
    }

    Reply error(PendingTurn turn, long startNanos, String code, String message) {
        Prompt prompt = turn.prompt();
        return new Reply(prompt.requestId(), prompt.conversationId(), ReplyStatus.ERROR, null, FinishReason.ERROR,
                Usage.NONE, timings(turn, startNanos), null, null, model, workerId, new ErrorInfo(code, message),
                prompt.metadata());
    }

    /**
     * The tenant was over its token quota: nothing generated, nothing stored; the error says when to send it again.
     */
    Reply rateLimited(PendingTurn turn, long startNanos, QuotaRefusal refusal) {
        Prompt prompt = turn.prompt();
        return new Reply(prompt.requestId(), prompt.conversationId(), ReplyStatus.RATE_LIMITED, null, null, Usage.NONE,
                timings(turn, startNanos), null, null, model, workerId,
                new ErrorInfo("rate_limited", refusal.message(), refusal.retryAfterMs()), prompt.metadata());
    }

    private static Usage usage(Generation generation) {
        return new Usage(generation.promptTokens(), generation.cachedTokens(), generation.restoredTokens(),
                generation.completionTokens(), generation.prefixTokens(), generation.diskTokens());
    }

    private static Timings timings(PendingTurn turn, long startNanos) {
        return new Timings(millis(startNanos - turn.arrivedNanos()), 0, millis(System.nanoTime() - turn.arrivedNanos()));
    }

    private static long millis(long nanos) {
        return Math.max(0, nanos / 1_000_000);
    }
}
