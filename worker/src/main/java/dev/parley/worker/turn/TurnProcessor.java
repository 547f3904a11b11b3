package dev.parley.worker.turn;

import dev.parley.schemas.DeadLetter;
import dev.parley.schemas.FinishReason;
import dev.parley.schemas.GenerationParams;
import dev.parley.schemas.Prompt;
import dev.parley.schemas.Reply;
import dev.parley.schemas.ReplyStatus;
import dev.parley.worker.control.Cancellations;
import dev.parley.worker.dispatch.Dispatcher;
import dev.parley.worker.dispatch.PendingTurn;
import dev.parley.worker.engine.ContextOverflowException;
import dev.parley.worker.engine.EngineException;
import dev.parley.worker.engine.Generation;
import dev.parley.worker.engine.GenerationAbandonedException;
import dev.parley.worker.engine.GenerationRequest;
import dev.parley.worker.engine.InferenceEngine;
import dev.parley.worker.engine.Sampling;
import dev.parley.worker.engine.TokenListener;
import dev.parley.worker.engine.Transcript;
import dev.parley.worker.engine.UnsupportedRequestException;
import dev.parley.worker.history.AppendOutcome;
import dev.parley.worker.history.HistoryEntry;
import dev.parley.worker.history.HistoryStore;
import dev.parley.worker.history.HistoryTail;
import dev.parley.worker.history.HistoryUnavailableException;
import dev.parley.worker.history.TailBudget;
import dev.parley.worker.intake.DeadLetterPublisher;
import dev.parley.worker.metrics.WorkerMetrics;
import dev.parley.worker.quota.QuotaGate;
import dev.parley.worker.quota.QuotaRefusal;
import dev.parley.worker.reply.ChunkStream;
import dev.parley.worker.reply.ChunkStreams;
import dev.parley.worker.reply.ReplyPublisher;
import dev.parley.worker.reply.ReplyTopics;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one turn: a request answered before gets its stored reply again; otherwise the history is loaded, the model
 * answers, the turn and its reply are stored atomically under the request id, and the reply is published. The
 * record counts as done only once the broker acknowledged the reply.
 *
 * <p>Redis and Kafka outages are waited out with backoff (the conversation waits, nothing is reordered); a
 * generation that keeps failing gets an error reply after {@link TurnSettings#attempts()}. Every reply without a turn
 * (cancelled, expired, error) is stored under its request id too, so each request id is answered once; rate_limited
 * (tenant over quota, {@link #limitingTenants}) is not, so the same request may go through later. A turn whose
 * thread is interrupted (the worker stopping) stores and publishes nothing: its record stays uncommitted.
 */
public final class TurnProcessor implements Dispatcher.TurnRunner {

    private static final Logger log = LoggerFactory.getLogger(TurnProcessor.class);
    /** Error codes of turns that failed every attempt: they are also dead-lettered. */
    private static final java.util.Set<String> POISON_CODES = java.util.Set.of("generation_failed", "turn_failed");

    private final HistoryStore history;
    /** Reads only the newest turns, as many as the engine's context could use. */
    private final TailBudget tailBudget;
    private final InferenceEngine engine;
    private final ReplyPublisher publisher;
    private ReplyFactory replies;
    private final Delivery delivery;
    private ChunkStreams chunkStreams;
    private final WorkerMetrics metrics;
    private final TurnSettings settings;
    private final Sleeper sleeper;
    private final Clock clock;
    private final Consumer<PendingTurn> onDone;
    private final DeadLetterPublisher deadLetters;
    private final Cancellations cancellations;
    private final HistoryWrites writes;
    private final TenantGuard tenants;
    /** When a turn last retried a step: a turn riding out an outage is waiting, not stuck (see the health check). */
    private volatile long lastRetryNanos = System.nanoTime();
    private ReplyTopics replyTopics;
    private QuotaGate quotas = QuotaGate.UNLIMITED;

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
        this.writes = new HistoryWrites(history, metrics, settings.backoff(), sleeper, this::retried);
        this.tenants = new TenantGuard(history, () -> this.replies);
        this.tailBudget = TailBudget.forContext(engine.info().contextPerSlot());
        this.engine = engine;
        this.publisher = replies;
        this.replies = new ReplyFactory(engine.info().model(), settings.workerId());
        this.delivery = new Delivery(metrics, settings.backoff(), settings.publishTimeout(), sleeper,
                () -> lastRetryNanos = System.nanoTime());
        this.chunkStreams = ChunkStreams.direct(replies, settings.workerId(), settings.chunkBatching());
        this.metrics = metrics;
        this.settings = settings;
        this.sleeper = sleeper;
        this.clock = clock;
        this.onDone = onDone;
    }

    /**
     * Sends streamed chunks through {@code streams} (a sender thread, so the engine never waits on Kafka); without
     * it chunks are sent on the thread that produced them.
     */
    /** {@link System#nanoTime()} of the last retried step of any turn. */
    public long lastRetryNanos() {
        return lastRetryNanos;
    }

    private void retried(String cause) {
        lastRetryNanos = System.nanoTime();
        metrics.turnRetried(cause);
    }

    public TurnProcessor streamingThrough(ChunkStreams streams) {
        this.chunkStreams = streams;
        return this;
    }

    /** Reports {@code model} in replies (the name the worker serves its model as) instead of the engine's. */
    public TurnProcessor reportingModel(String model) {
        this.replies = new ReplyFactory(model, settings.workerId());
        return this;
    }

    /** Checks reply_to topics (allowed, existing) before answering; without it every reply_to is trusted. */
    public TurnProcessor checkingReplyTopics(ReplyTopics topics) {
        this.replyTopics = topics;
        return this;
    }

    /** Applies tenant token quotas; without it no turn is limited. */
    public TurnProcessor limitingTenants(QuotaGate gate) {
        this.quotas = gate;
        return this;
    }

    /** The turn could not finish because the worker is stopping; it stays undone and is redelivered. */
    static final class Abandoned extends Exception {
        private static final long serialVersionUID = 1L;

        Abandoned(Exception cause) {
            super("worker stopping", cause);
        }
    }

    @Override
    public void run(PendingTurn turn) {
        try (TurnLoggingContext ignored = TurnLoggingContext.open(turn)) {
            long startNanos = System.nanoTime();
            metrics.turnStarted(Duration.ofNanos(startNanos - turn.arrivedNanos()));
            try {
                Optional<String> undeliverable = replyTopics == null ? Optional.empty()
                        : replyTopics.undeliverable(turn.prompt().replyTo());
                if (undeliverable.isPresent()) {
                    // Nowhere to answer (or not allowed to): dead-letter the prompt, never block its conversation.
                    deadLetter(turn, "reply_undeliverable", undeliverable.get());
                    finished(turn, ReplyStatus.ERROR);
                    return;
                }
                Reply reply = answer(turn, startNanos);
                if (reply.error() != null && POISON_CODES.contains(reply.error().code())) {
                    deadLetter(turn, "poison_turn", reply.error().code() + " after " + settings.attempts()
                            + " attempts: " + reply.error().message());
                } else if (reply.error() != null && reply.error().code().equals(TenantGuard.CODE)) {
                    deadLetter(turn, TenantGuard.CODE, TenantGuard.deadLetterReason(turn.prompt()));
                }
                publish(turn, reply);
                finished(turn, reply.status());
            } catch (Abandoned e) {
                throw e;
            } catch (Throwable e) { // an Error too: the record must finish, or its partition stops moving
                failSafe(turn, startNanos, e);
            }
        } catch (Abandoned e) {
            log.info("Turn {} abandoned: worker stopping; it stays uncommitted and the next owner generates it", turn);
            Thread.currentThread().interrupt();
        }
    }

    private void finished(PendingTurn turn, ReplyStatus status) {
        metrics.turnFinished(status, Duration.ofNanos(System.nanoTime() - turn.arrivedNanos()));
        onDone.accept(turn);
    }

    /**
     * A turn ended by something nobody planned for: it is answered with an error, dead-lettered with the original
     * record and counted, so that nothing is lost and the partition moves on. The error is not stored: a later
     * delivery of the same request (after a restart, say) may succeed.
     */
    private void failSafe(PendingTurn turn, long startNanos, Throwable error) throws Abandoned {
        String kind = error.getClass().getSimpleName();
        metrics.turnFailed(kind);
        log.error("Turn {} failed unexpectedly; answering with an error and dead-lettering it", turn, error);
        String message = kind + ": " + error.getMessage();
        deadLetter(turn, "turn_failed", message);
        publish(turn, replies.error(turn, startNanos, "turn_failed", message));
        finished(turn, ReplyStatus.ERROR);
    }

    private Reply answer(PendingTurn turn, long startNanos) throws Abandoned {
        Prompt prompt = turn.prompt();
        int failures = 0;
        int outages = 0;
        int attempt = 0;
        OutputFormat format = null; // built once per turn (or carried from decoding), not per attempt
        while (true) {
            try {
                if (!tenants.admits(prompt)) {
                    return tenants.refusal(turn, startNanos); // before the stored reply: never another tenant's
                }
                Optional<Reply> stored = timedStoredReply(prompt);
                if (stored.isPresent()) {
                    metrics.turnReplayed();
                    log.debug("Request answered before; republishing its stored reply");
                    return stored.get();
                }
                if (cancellations.isCancelled(prompt.conversationId(), prompt.requestId())
                        || history.isCancelled(prompt.conversationId(), prompt.requestId())) {
                    return writes.store(prompt, replies.cancelled(turn, startNanos, null));
                }
                if (prompt.deadline() != null && clock.instant().isAfter(prompt.deadline())) {
                    return writes.store(prompt, replies.expired(turn, startNanos, null));
                }
                format = format != null ? format : OutputFormat.of(turn);
                Optional<QuotaRefusal> refused = quotas.admit(prompt.tenant());
                if (refused.isPresent()) {
                    // Not stored under the request id and nothing appended: a later delivery may go through.
                    return replies.rateLimited(turn, startNanos, refused.get());
                }
                HistoryTail tail = timedLoad(prompt.conversationId());
                attempt++;
                ChunkStream chunks = prompt.stream() ? chunkStreams.open(prompt, attempt) : null;
                Generation generation;
                try {
                    generation = engine.generate(request(prompt, tail, format), chunks != null ? chunks : TokenListener.NONE);
                } catch (GenerationAbandonedException e) {
                    throw new Abandoned(e);
                } finally {
                    if (chunks != null) {
                        chunks.close();
                    }
                }
                metrics.generated(generation, tail.turnCount() > 0);
                quotas.charge(prompt.tenant(), generation.promptTokens(), generation.completionTokens());
                if (generation.finishReason() == FinishReason.CANCELLED) {
                    // A cancelled turn does not enter the conversation; its partial text is in the reply only.
                    return writes.store(prompt, replies.cancelled(turn, startNanos, generation));
                }
                if (generation.finishReason() == FinishReason.DEADLINE && generation.completionTokens() == 0) {
                    // Nothing was said before the deadline: no empty assistant turn enters the history.
                    return writes.store(prompt, replies.expired(turn, startNanos, generation));
                }
                if (format.constrained()) {
                    Optional<String> problem = format.problem(generation.text());
                    metrics.structuredOutput(format.name(), problem.isEmpty());
                    if (problem.isPresent()) {
                        // Never stored as if fine: an error reply with the text, and no turn in the history.
                        return writes.store(prompt, replies.invalidOutput(turn, startNanos, generation, problem.get()));
                    }
                }
                // Numbered by the conversation's turn counter: older turns may be dropped from the store or not read.
                HistoryEntry entry = new HistoryEntry(tail.turnCount() + 1, prompt.requestId(), prompt.system(),
                        prompt.messages(), generation.text(), clock.instant());
                Reply reply = replies.ok(turn, entry.turn(), generation, startNanos);
                AppendOutcome outcome = writes.append(prompt, entry, reply);
                if (outcome instanceof AppendOutcome.Appended) {
                    return reply;
                }
                if (outcome instanceof AppendOutcome.TenantMismatch) {
                    return tenants.refusal(turn, startNanos); // claimed by another tenant while this one generated
                }
                if (outcome instanceof AppendOutcome.Duplicate duplicate) {
                    // Another worker answered this request meanwhile (a rebalance overlap): its answer stands.
                    metrics.turnReplayed();
                    return duplicate.storedReply();
                }
                failures++;
                retried("history_conflict");
                log.warn("History of the conversation moved on while generating (now {} turns); redoing the turn",
                        ((AppendOutcome.Conflict) outcome).historyLength());
                if (failures >= settings.attempts()) {
                    return writes.store(prompt, error(turn, startNanos, "history_conflict",
                            "the conversation's history kept changing while this turn was generated"));
                }
            } catch (UnsupportedRequestException e) {
                // Asking again cannot help (the java engine has no grammars, say): answered at once.
                return writes.store(prompt, error(turn, startNanos, e.code(), e.getMessage()));
            } catch (ContextOverflowException e) {
                return writes.store(prompt, error(turn, startNanos, "context_overflow", e.getMessage()));
            } catch (HistoryUnavailableException e) {
                outages++;
                retried("history_unavailable");
                if (outages == 1 || outages % 10 == 0) {
                    log.warn("History store unavailable (attempt {}): {}", outages, e.getMessage());
                }
                pause(outages);
            } catch (EngineException e) {
                failures++;
                retried("engine");
                log.warn("Generation failed (attempt {} of {}): {}", failures, settings.attempts(), e.getMessage());
                if (failures >= settings.attempts()) {
                    return writes.store(prompt, error(turn, startNanos, "generation_failed", e.getMessage()));
                }
                pauseJittered(failures);
            } catch (RuntimeException e) {
                // Anything else (a template that cannot render, a bug): retried like a failed generation, then
                // answered with an error.
                failures++;
                retried("unexpected");
                log.warn("Turn failed unexpectedly (attempt {} of {})", failures, settings.attempts(), e);
                if (failures >= settings.attempts()) {
                    return writes.store(prompt, error(turn, startNanos, "turn_failed",
                            e.getClass().getSimpleName() + ": " + e.getMessage()));
                }
                pause(failures);
            }
        }
    }

    private Reply error(PendingTurn turn, long startNanos, String code, String message) {
        log.warn("Turn failed with {}: {}", code, message);
        return replies.error(turn, startNanos, code, message);
    }

    private GenerationRequest request(Prompt prompt, HistoryTail tail, OutputFormat format) {
        String system = prompt.system() != null ? prompt.system() : tail.system();
        Transcript transcript = new Transcript(system, tail.entries().stream().map(HistoryEntry::toExchange).toList(),
                prompt.messages(), tail.earlierTurns());
        GenerationParams p = prompt.paramsOrDefaults();
        Sampling sampling = new Sampling(p.maxTokens() != null ? p.maxTokens() : settings.defaultMaxTokens(),
                p.temperature(), p.topP(), p.topK(), p.seed(), p.stop(), format.grammar(), p.minP(),
                new Sampling.Penalties(p.repeatPenalty(), p.presencePenalty(), p.frequencyPenalty()), p.logitBias());
        String requestId = prompt.requestId();
        return new GenerationRequest(prompt.conversationId(), transcript, sampling, prompt.deadline(),
                () -> cancellations.isCancelled(prompt.conversationId(), requestId), prompt.priorityOrDefault());
    }

    private void deadLetter(PendingTurn turn, String code, String reason) throws Abandoned {
        if (deadLetters == null) {
            return;
        }
        metrics.promptRejected(code);
        DeadLetter letter = deadLetters.acceptedButFailed(turn, code, reason);
        Throwable failure = delivery.untilAcknowledged("dead_letter_publish", "dead letter",
                () -> deadLetters.publish(turn.conversationId(), letter));
        if (failure != null) {
            DeadLetter smaller = deadLetters.shrunk(letter);
            failure = smaller == letter ? failure : delivery.untilAcknowledged("dead_letter_publish",
                    "shrunk dead letter", () -> deadLetters.publish(turn.conversationId(), smaller));
        }
        if (failure != null) {
            metrics.deadLetterDropped(failure.getClass().getSimpleName());
            log.error("Dead letter ({}) for {} refused for good; the record stays on its topic at that offset", code,
                    turn);
        }
    }

    /**
     * Publishes the reply until acknowledged. One the broker refuses for good (not authorized for a reply_to topic,
     * say) is dead-lettered as {@code reply_undeliverable} instead, so the conversation moves on.
     */
    private void publish(PendingTurn turn, Reply reply) throws Abandoned {
        long sent = System.nanoTime();
        Throwable failure = delivery.untilAcknowledged("reply_publish", "reply",
                () -> publisher.publish(turn.prompt().replyTo(), reply));
        if (failure != null) {
            deadLetter(turn, "reply_undeliverable", "the reply could not be published: "
                    + failure.getClass().getSimpleName() + ": " + failure.getMessage());
            return;
        }
        metrics.replyPublished(Duration.ofNanos(System.nanoTime() - sent));
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

    private HistoryTail timedLoad(String conversationId) {
        return metrics.historyTimer("load").record(() -> history.loadTail(conversationId, tailBudget));
    }


}
