package dev.parley.worker.turn;

import dev.parley.schemas.ErrorInfo;
import dev.parley.schemas.FinishReason;
import dev.parley.schemas.GenerationParams;
import dev.parley.schemas.Prompt;
import dev.parley.schemas.Reply;
import dev.parley.schemas.ReplyStatus;
import dev.parley.schemas.Timings;
import dev.parley.schemas.Usage;
import dev.parley.worker.control.Cancellations;
import dev.parley.worker.dispatch.Dispatcher;
import dev.parley.worker.dispatch.PendingTurn;
import dev.parley.worker.engine.ContextOverflowException;
import dev.parley.worker.engine.EngineException;
import dev.parley.worker.engine.Generation;
import dev.parley.worker.engine.GenerationRequest;
import dev.parley.worker.engine.InferenceEngine;
import dev.parley.worker.engine.Sampling;
import dev.parley.worker.engine.TokenListener;
import dev.parley.worker.engine.Transcript;
import dev.parley.worker.history.AppendOutcome;
import dev.parley.worker.history.HistoryEntry;
import dev.parley.worker.history.HistoryStore;
import dev.parley.worker.history.HistoryUnavailableException;
import dev.parley.worker.intake.DeadLetterPublisher;
import dev.parley.worker.metrics.WorkerMetrics;
import dev.parley.worker.reply.ChunkStream;
import dev.parley.worker.reply.ReplyPublisher;
import dev.parley.worker.reply.ReplyTopics;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one turn: a request answered before gets its stored reply again; otherwise the history is loaded, the model
 * answers, the turn and its reply are stored atomically under the request id, and the reply is published. The
 * record counts as done only once the broker acknowledged the reply.
 *
 * <p>Redis and Kafka outages are waited out with backoff (the conversation waits, nothing is reordered); a
 * generation that keeps failing gets an error reply after {@link TurnSettings#attempts()}.
 */
public final class TurnProcessor implements Dispatcher.TurnRunner {

    private static final Logger log = LoggerFactory.getLogger(TurnProcessor.class);
    /** Error codes of turns that failed every attempt: they are also dead-lettered. */
    private static final java.util.Set<String> POISON_CODES = java.util.Set.of("generation_failed", "turn_failed");

    private final HistoryStore history;
    private final InferenceEngine engine;
    private final ReplyPublisher replies;
    private final WorkerMetrics metrics;
    private final TurnSettings settings;
    private final Sleeper sleeper;
    private final Clock clock;
    private final Consumer<PendingTurn> onDone;
    private final DeadLetterPublisher deadLetters;
    private final Cancellations cancellations;
    private ReplyTopics replyTopics;

    public TurnProcessor(HistoryStore history, InferenceEngine engine, ReplyPublisher replies, WorkerMetrics metrics,
                         TurnSettings settings, Sleeper sleeper, Clock clock, Consumer<PendingTurn> onDone) {
        this(history, engine, replies, null, new Cancellations(), metrics, settings, sleeper, clock, onDone);
    }

    /**
     * @param deadLetters where turns that keep failing are reported ({@code poison_turn}), or {@code null} for none
     */
    public TurnProcessor(HistoryStore history, InferenceEngine engine, ReplyPublisher replies,
                         DeadLetterPublisher deadLetters, Cancellations cancellations, WorkerMetrics metrics,
                         TurnSettings settings, Sleeper sleeper, Clock clock, Consumer<PendingTurn> onDone) {
        this.deadLetters = deadLetters;
        this.cancellations = cancellations;
        this.history = history;
        this.engine = engine;
        this.replies = replies;
        this.metrics = metrics;
        this.settings = settings;
        this.sleeper = sleeper;
        this.clock = clock;
        this.onDone = onDone;
    }

    /** Checks reply_to topics before answering; without it every reply_to is trusted. */
    public TurnProcessor checkingReplyTopics(ReplyTopics topics) {
        this.replyTopics = topics;
        return this;
    }

    /** The turn could not finish because the worker is stopping; it stays undone and is redelivered. */
    static final class Abandoned extends Exception {
        private static final long serialVersionUID = 1L;

        Abandoned(InterruptedException cause) {
            super("worker stopping", cause);
        }
    }

    @Override
    public void run(PendingTurn turn) {
        try (TurnLoggingContext ignored = TurnLoggingContext.open(turn)) {
            long startNanos = System.nanoTime();
            metrics.turnStarted(Duration.ofNanos(startNanos - turn.arrivedNanos()));
            String replyTo = turn.prompt().replyTo();
            if (replyTo != null && replyTopics != null && !replyTopics.exists(replyTo)) {
                // Nowhere to answer: dead-letter the prompt instead of blocking its conversation on the publish.
                deadLetter(turn, "reply_undeliverable", "reply_to topic '" + replyTo + "' does not exist");
                metrics.turnFinished(ReplyStatus.ERROR, Duration.ofNanos(System.nanoTime() - turn.arrivedNanos()));
                onDone.accept(turn);
                return;
            }
            Reply reply = answer(turn, startNanos);
            if (reply.error() != null && POISON_CODES.contains(reply.error().code())) {
                deadLetter(turn, "poison_turn", reply.error().code() + " after " + settings.attempts() + " attempts: "
                        + reply.error().message());
            }
            publish(turn, reply);
            metrics.turnFinished(reply.status(), Duration.ofNanos(System.nanoTime() - turn.arrivedNanos()));
            onDone.accept(turn);
        } catch (Abandoned e) {
            log.info("Turn {} abandoned: worker stopping; it will be redelivered", turn);
            Thread.currentThread().interrupt();
        }
    }

    private Reply answer(PendingTurn turn, long startNanos) throws Abandoned {
        Prompt prompt = turn.prompt();
        int failures = 0;
        int outages = 0;
        int attempt = 0;
        while (true) {
            try {
                Optional<Reply> stored = timedStoredReply(prompt);
                if (stored.isPresent()) {
                    metrics.turnReplayed();
                    log.debug("Request answered before; republishing its stored reply");
                    return stored.get();
                }
                if (cancellations.isCancelled(prompt.requestId())
                        || history.isCancelled(prompt.conversationId(), prompt.requestId())) {
                    return history.recordReply(prompt.conversationId(), prompt.requestId(),
                            cancelled(turn, startNanos, null, null));
                }
                if (prompt.deadline() != null && clock.instant().isAfter(prompt.deadline())) {
                    return expired(turn, startNanos);
                }
                List<HistoryEntry> entries = timedLoad(prompt.conversationId());
                attempt++;
                ChunkStream chunks = prompt.stream()
                        ? new ChunkStream(replies, prompt.replyTo(), prompt.requestId(), prompt.conversationId(),
                                attempt, settings.workerId(), settings.chunkBatching())
                        : null;
                Generation generation = engine.generate(request(prompt, entries),
                        chunks != null ? chunks : TokenListener.NONE);
                if (chunks != null) {
                    chunks.flush();
                }
                if (generation.finishReason() == FinishReason.CANCELLED) {
                    // A cancelled turn does not enter the conversation; its partial text is in the reply only.
                    metrics.generated(generation, !entries.isEmpty());
                    return history.recordReply(prompt.conversationId(), prompt.requestId(),
                            cancelled(turn, startNanos, generation.text(), generation));
                }
                metrics.generated(generation, !entries.isEmpty());
                HistoryEntry entry = new HistoryEntry(entries.size() + 1, prompt.requestId(), prompt.system(),
                        prompt.messages(), generation.text(), clock.instant());
                Reply reply = okReply(turn, entry.turn(), generation, startNanos);
                AppendOutcome outcome = timedAppend(prompt.conversationId(), entry, reply);
                if (outcome instanceof AppendOutcome.Appended) {
                    return reply;
                }
                if (outcome instanceof AppendOutcome.Duplicate duplicate) {
                    // Another worker answered this request meanwhile (a rebalance overlap): its answer stands.
                    metrics.turnReplayed();
                    return duplicate.storedReply();
                }
                failures++;
                metrics.turnRetried("history_conflict");
                log.warn("History of the conversation moved on while generating (now {} turns); redoing the turn",
                        ((AppendOutcome.Conflict) outcome).historyLength());
                if (failures >= settings.attempts()) {
                    return error(turn, startNanos, "history_conflict",
                            "the conversation's history kept changing while this turn was generated");
                }
            } catch (ContextOverflowException e) {
                return error(turn, startNanos, "context_overflow", e.getMessage());
            } catch (HistoryUnavailableException e) {
                outages++;
                metrics.turnRetried("history_unavailable");
                log.warn("History store unavailable (attempt {}): {}", outages, e.getMessage());
                pause(outages);
            } catch (EngineException e) {
                failures++;
                metrics.turnRetried("engine");
                log.warn("Generation failed (attempt {} of {}): {}", failures, settings.attempts(), e.getMessage());
                if (failures >= settings.attempts()) {
                    return error(turn, startNanos, "generation_failed", e.getMessage());
                }
                pauseJittered(failures);
            } catch (RuntimeException e) {
                // Anything else (a template that cannot render, a bug): never leave the record undone, or its
                // partition would stop moving. Retried like a failed generation, then answered with an error.
                failures++;
                metrics.turnRetried("unexpected");
                log.warn("Turn failed unexpectedly (attempt {} of {})", failures, settings.attempts(), e);
                if (failures >= settings.attempts()) {
                    return error(turn, startNanos, "turn_failed", e.getClass().getSimpleName() + ": " + e.getMessage());
                }
                pause(failures);
            }
        }
    }

    private GenerationRequest request(Prompt prompt, List<HistoryEntry> entries) {
        String system = prompt.system();
        for (int i = entries.size() - 1; system == null && i >= 0; i--) {
            system = entries.get(i).system();
        }
        Transcript transcript = new Transcript(system, entries.stream().map(HistoryEntry::toExchange).toList(),
                prompt.messages());
        GenerationParams p = prompt.paramsOrDefaults();
        Sampling sampling = new Sampling(p.maxTokens() != null ? p.maxTokens() : settings.defaultMaxTokens(),
                p.temperature(), p.topP(), p.topK(), p.seed(), p.stop());
        String requestId = prompt.requestId();
        return new GenerationRequest(prompt.conversationId(), transcript, sampling, prompt.deadline(),
                () -> cancellations.isCancelled(requestId));
    }

    private void deadLetter(PendingTurn turn, String code, String reason) throws Abandoned {
        if (deadLetters == null) {
            return;
        }
        metrics.promptRejected(code);
        untilAcknowledged("dead_letter_publish", "dead letter",
                () -> deadLetters.publish(turn.conversationId(), deadLetters.acceptedButFailed(turn, code, reason)));
    }

    private void publish(PendingTurn turn, Reply reply) throws Abandoned {
        long sent = System.nanoTime();
        untilAcknowledged("reply_publish", "reply", () -> replies.publish(turn.prompt().replyTo(), reply));
        metrics.replyPublished(Duration.ofNanos(System.nanoTime() - sent));
    }

    /**
     * Sends until the broker acknowledges, backing off between attempts: the record is done only once acknowledged,
     * and a broker outage is waited out (the worker stopping abandons the turn instead).
     */
    private void untilAcknowledged(String retryCause, String what, Supplier<CompletableFuture<?>> send)
            throws Abandoned {
        for (int attempt = 1; ; attempt++) {
            try {
                send.get().get(settings.publishTimeout().toMillis(), TimeUnit.MILLISECONDS);
                return;
            } catch (ExecutionException | TimeoutException e) {
                metrics.turnRetried(retryCause);
                log.warn("Publishing the {} failed (attempt {}): {}", what, attempt, e.getMessage());
                pause(attempt);
            } catch (InterruptedException e) {
                throw new Abandoned(e);
            }
        }
    }

    private void pauseJittered(int attempt) throws Abandoned {
        try {
            sleeper.sleep(settings.backoff().jittered(attempt, java.util.concurrent.ThreadLocalRandom.current()));
        } catch (InterruptedException e) {
            throw new Abandoned(e);
        }
    }

    private void pause(int attempt) throws Abandoned {
        try {
            sleeper.sleep(settings.backoff().delay(attempt));
        } catch (InterruptedException e) {
            throw new Abandoned(e);
        }
    }

    private Optional<Reply> timedStoredReply(Prompt prompt) {
        return metrics.historyTimer("stored_reply").record(() -> history.storedReply(prompt.conversationId(), prompt.requestId()));
    }

    private List<HistoryEntry> timedLoad(String conversationId) {
        return metrics.historyTimer("load").record(() -> history.load(conversationId));
    }

    private AppendOutcome timedAppend(String conversationId, HistoryEntry entry, Reply reply) {
        return metrics.historyTimer("append").record(() -> history.append(conversationId, entry, reply));
    }

    private Reply okReply(PendingTurn turn, int turnNumber, Generation generation, long startNanos) {
        Prompt prompt = turn.prompt();
        Timings timings = new Timings(millis(startNanos - turn.arrivedNanos()), millis(generation.firstTokenNanos()),
                millis(System.nanoTime() - turn.arrivedNanos()));
        return new Reply(prompt.requestId(), prompt.conversationId(), ReplyStatus.OK, generation.text(),
                generation.finishReason(),
                new Usage(generation.promptTokens(), generation.cachedTokens(), generation.restoredTokens(),
                        generation.completionTokens()),
                timings, turnNumber, generation.droppedTurns(), engine.info().model(), settings.workerId(), null,
                prompt.metadata());
    }

    private Reply expired(PendingTurn turn, long startNanos) {
        Prompt prompt = turn.prompt();
        return new Reply(prompt.requestId(), prompt.conversationId(), ReplyStatus.EXPIRED, null, FinishReason.DEADLINE,
                Usage.NONE, timings(turn, startNanos), null, null, engine.info().model(), settings.workerId(),
                new ErrorInfo("deadline_passed", "the deadline " + prompt.deadline() + " passed before the turn started"),
                prompt.metadata());
    }

    private Reply cancelled(PendingTurn turn, long startNanos, String partial, Generation generation) {
        Prompt prompt = turn.prompt();
        Usage usage = generation == null ? Usage.NONE
                : new Usage(generation.promptTokens(), generation.cachedTokens(), generation.restoredTokens(),
                        generation.completionTokens());
        return new Reply(prompt.requestId(), prompt.conversationId(), ReplyStatus.CANCELLED, partial,
                FinishReason.CANCELLED, usage, timings(turn, startNanos), null, null, engine.info().model(),
                settings.workerId(), new ErrorInfo("cancelled", generation == null
                        ? "cancelled before the turn started" : "cancelled while generating"), prompt.metadata());
    }

    private Reply error(PendingTurn turn, long startNanos, String code, String message) {
        Prompt prompt = turn.prompt();
        log.warn("Turn failed with {}: {}", code, message);
        return new Reply(prompt.requestId(), prompt.conversationId(), ReplyStatus.ERROR, null, FinishReason.ERROR,
                Usage.NONE, timings(turn, startNanos), null, null, engine.info().model(), settings.workerId(),
                new ErrorInfo(code, message), prompt.metadata());
    }

    private static Timings timings(PendingTurn turn, long startNanos) {
        return new Timings(millis(startNanos - turn.arrivedNanos()), 0, millis(System.nanoTime() - turn.arrivedNanos()));
    }

    private static long millis(long nanos) {
        return Math.max(0, nanos / 1_000_000);
    }
}
