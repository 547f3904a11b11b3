package dev.parley.worker.turn;

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
import dev.parley.worker.engine.tools.ParsedAnswer;
import dev.parley.worker.engine.UnsupportedRequestException;
import dev.parley.worker.engine.template.ReasoningStart;
import dev.parley.worker.history.AppendOutcome;
import dev.parley.worker.history.HistoryEntry;
import dev.parley.worker.history.HistoryStore;
import dev.parley.worker.history.HistoryTail;
import dev.parley.worker.history.HistoryUnavailableException;
import dev.parley.worker.history.TailBudget;
import dev.parley.worker.metrics.WorkerMetrics;
import dev.parley.worker.quota.QuotaGate;
import dev.parley.worker.reply.ChunkStream;
import dev.parley.worker.reply.ChunkStreams;
import dev.parley.worker.reply.ReplyPublisher;
import dev.parley.worker.reply.ReplyTopics;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one turn: a request answered before gets its stored reply again; otherwise the history is loaded, the model
 * answers, the turn and its reply are stored atomically under the request id, and the reply is published. The
 * record counts as done only once the broker acknowledged the reply.
 *
 * <p>Redis and Kafka outages are waited out with backoff (the conversation waits, nothing is reordered); a
 * generation that keeps failing gets an error reply after {@link TurnSettings#attempts()} ({@link TurnRetries}).
 * Every reply without a turn (cancelled, expired, error) is stored under its request id too, so each request id is
 * answered once; rate_limited (tenant over quota, {@link TurnProcessorBuilder#limitingTenants}) is not, so the same request may go
 * through later ({@link PreGenerationChecks}). A turn whose thread is interrupted (the worker stopping) stores and
 * publishes nothing: its record stays uncommitted.
 */
public final class TurnProcessor implements Dispatcher.TurnRunner {

    private static final Logger log = LoggerFactory.getLogger(TurnProcessor.class);
    /** Error codes of turns that failed every attempt: they are also dead-lettered. */
    private static final Set<String> POISON_CODES = Set.of("generation_failed", "turn_failed");

    private final HistoryStore history;
    /** Reads only the newest turns, as many as the engine's context could use. */
    private final TailBudget tailBudget;
    private final InferenceEngine engine;
    private final ReplyPublisher publisher;
    private final ReplyFactory replies;
    private final Delivery delivery;
    private final ChunkStreams chunkStreams;
    private final WorkerMetrics metrics;
    private final TurnSettings settings;
    private final Sleeper sleeper;
    private final Clock clock;
    private final Consumer<PendingTurn> onDone;
    private final TurnDeadLetters deadLetters;
    private final Cancellations cancellations;
    private final HistoryWrites writes;
    private final TenantGuard tenants;
    private final PreGenerationChecks checks;
    /** Checks reply_to topics (allowed, existing) before answering; {@code null}: every reply_to is trusted. */
    private final ReplyTopics replyTopics;
    private final QuotaGate quotas;
    /** When a turn last retried a step: a turn riding out an outage is waiting, not stuck (see the health check). */
    private volatile long lastRetryNanos = System.nanoTime();

    /** Use {@link #builder}: {@link TurnProcessorBuilder#build()} checks the parts first. */
    TurnProcessor(TurnProcessorBuilder b) {
        this.history = b.history;
        this.engine = b.engine;
        this.publisher = b.publisher;
        this.metrics = b.metrics;
        this.settings = b.settings;
        this.sleeper = b.sleeper;
        this.clock = b.clock;
        this.onDone = b.onDone;
        this.cancellations = b.cancellations;
        this.replyTopics = b.replyTopics;
        this.quotas = b.quotas;
        this.tailBudget = TailBudget.forContext(engine.info().contextPerSlot());
        this.replies = new ReplyFactory(b.model != null ? b.model : engine.info().model(), settings.workerId());
        this.chunkStreams = b.chunkStreams != null ? b.chunkStreams
                : ChunkStreams.direct(publisher, settings.workerId(), settings.chunkBatching());
        this.writes = new HistoryWrites(history, metrics, settings.backoff(), sleeper, this::retried);
        this.tenants = new TenantGuard(history, replies);
        this.checks = new PreGenerationChecks(history, writes, tenants, cancellations, quotas, replies, metrics, clock);
        this.delivery = new Delivery(metrics, settings.backoff(), settings.publishTimeout(), sleeper,
                () -> lastRetryNanos = System.nanoTime());
        this.deadLetters = new TurnDeadLetters(b.deadLetters, delivery, metrics);
    }

    /** A processor of {@code history}'s conversations answered by {@code engine}; {@link TurnProcessorBuilder#build()} makes it. */
    public static TurnProcessorBuilder builder(HistoryStore history, InferenceEngine engine, ReplyPublisher replies,
                                               WorkerMetrics metrics, TurnSettings settings) {
        return new TurnProcessorBuilder(history, engine, replies, metrics, settings);
    }


    /** {@link System#nanoTime()} of the last retried step of any turn. */
    public long lastRetryNanos() {
        return lastRetryNanos;
    }

    private void retried(String cause) {
        lastRetryNanos = System.nanoTime();
        metrics.turnRetried(cause);
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
                if (turn.refusal() != null) {
                    refuse(turn, startNanos, undeliverable.isEmpty());
                    return;
                }
                if (undeliverable.isPresent()) {
                    // Nowhere to answer (or not allowed to): dead-letter the prompt, never block its conversation.
                    deadLetters.send(turn, "reply_undeliverable", undeliverable.get());
                    finished(turn, ReplyStatus.ERROR);
                    return;
                }
                Reply reply = answer(turn, startNanos);
                if (reply.error() != null && POISON_CODES.contains(reply.error().code())) {
                    deadLetters.send(turn, "poison_turn", reply.error().code() + " after " + settings.attempts()
                            + " attempts: " + reply.error().message());
                } else if (reply.error() != null && reply.error().code().equals(TenantGuard.CODE)) {
                    deadLetters.send(turn, TenantGuard.CODE, TenantGuard.deadLetterReason(turn.prompt()));
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

    /**
     * A prompt a gate refused: dead-lettered with the refusal, and answered with an error reply of its code where its
     * reply_to may be answered, as a prompt of another tenant is; nothing is generated or stored.
     */
    private void refuse(PendingTurn turn, long startNanos, boolean deliverable) throws Abandoned {
        deadLetters.refused(turn, turn.refusal());
        if (deliverable) {
            publish(turn, replies.error(turn, startNanos, turn.refusal().code().wireName(), turn.refusal().reason()));
        }
        finished(turn, ReplyStatus.ERROR);
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
        deadLetters.send(turn, "turn_failed", message);
        publish(turn, replies.error(turn, startNanos, "turn_failed", message));
        finished(turn, ReplyStatus.ERROR);
    }

    /**
     * The turn's reply: settled by a check before generating, or generated and stored; a failure that asking again
     * cannot help, or one that outlasted its attempts, is stored as an error reply. Outages are waited out.
     */
    private Reply answer(PendingTurn turn, long startNanos) throws Abandoned {
        TurnRetries retries = new TurnRetries(settings, sleeper, this::retried);
        OutputFormat format = null; // built once per turn (or carried from decoding), not per attempt
        while (true) {
            Reply failed;
            try {
                Optional<Reply> settled = checks.settled(turn, startNanos);
                if (settled.isEmpty()) {
                    format = format != null ? format : OutputFormat.of(turn, engine.info());
                    settled = checks.rateLimited(turn, startNanos);
                }
                Reply reply = settled.isPresent() ? settled.get() : generateAndStore(turn, startNanos, format, retries);
                if (reply != null) {
                    return reply;
                }
                continue; // the history moved on while generating: generate again on the new one
            } catch (UnsupportedRequestException e) {
                // Asking again cannot help (the java engine has no grammars, say): answered at once.
                failed = error(turn, startNanos, e.code(), e.getMessage());
            } catch (ContextOverflowException e) {
                failed = error(turn, startNanos, "context_overflow", e.getMessage());
            } catch (HistoryUnavailableException e) {
                retries.historyUnavailable(e);
                continue;
            } catch (EngineException e) {
                failed = retries.generationFailed(e) ? error(turn, startNanos, "generation_failed", e.getMessage())
                        : null;
            } catch (RuntimeException e) {
                failed = retries.failedUnexpectedly(e) ? error(turn, startNanos, "turn_failed",
                        e.getClass().getSimpleName() + ": " + e.getMessage()) : null;
            }
            if (failed != null) {
                return writes.store(turn.prompt(), failed);
            }
        }
    }

    /**
     * Generates the turn and stores what came of it. Returns {@code null} when the history moved on meanwhile and
     * the turn has attempts left.
     */
    private Reply generateAndStore(PendingTurn turn, long startNanos, OutputFormat format, TurnRetries retries)
            throws Abandoned {
        Prompt prompt = turn.prompt();
        HistoryTail tail = metrics.historyTimer("load")
                .record(() -> history.loadTail(prompt.conversationId(), tailBudget));
        GenerationRequest request = request(prompt, tail, format);
        // a reasoning model's thinking is split from its answer in the stream and the reply, never in the history
        Optional<ReasoningStart> reasoning = engine.reasoning(request.transcript());
        Generation generation = generate(prompt, request, reasoning, format.tools(), tail, retries.nextGeneration());
        if (generation.finishReason() == FinishReason.CANCELLED) {
            // A cancelled turn does not enter the conversation; its partial text is in the reply only.
            return writes.store(prompt, replies.cancelled(turn, startNanos, generation, reasoning));
        }
        if (generation.finishReason() == FinishReason.DEADLINE && generation.completionTokens() == 0) {
            // Nothing was said before the deadline: no empty assistant turn enters the history.
            return writes.store(prompt, replies.expired(turn, startNanos, generation));
        }
        Optional<ParsedAnswer> calls = format.tools().calls(generation.text());
        if (calls.isEmpty() && format.tools().forced()) {
            // Cut off (max_tokens, the deadline) before the call closed: never stored as if it had called.
            return writes.store(prompt, replies.invalidOutput(turn, startNanos, generation,
                    "the answer is not a complete tool call, which tool_choice requires"));
        }
        if (calls.isEmpty() && format.startedHeldCall(generation.text())) {
            // Cut off before the call it started closed: never passed on as text that half calls a tool.
            return writes.store(prompt, replies.invalidOutput(turn, startNanos, generation,
                    "the answer started a tool call that did not complete"));
        }
        if (calls.isEmpty() && format.constrained()) {
            Optional<String> problem = format.problem(generation.text());
            metrics.structuredOutput(format.name(), problem.isEmpty());
            if (problem.isPresent()) {
                // Never stored as if fine: an error reply with the text, and no turn in the history.
                return writes.store(prompt, replies.invalidOutput(turn, startNanos, generation, problem.get()));
            }
        }
        return append(turn, startNanos, tail, generation, reasoning, calls.orElse(null), retries);
    }

    private Generation generate(Prompt prompt, GenerationRequest request, Optional<ReasoningStart> reasoning,
                                ToolTurn tools, HistoryTail tail, int attempt) throws Abandoned {
        ChunkStream chunks = prompt.stream() ? chunkStreams.open(prompt, attempt) : null;
        // the raw call text is held back from the chunks and sent as tool-call deltas
        ToolCallStream calls = chunks != null && tools.active()
                ? new ToolCallStream(chunks, tools.syntax(), tools.forced()) : null;
        TokenListener target = calls != null ? calls : chunks != null ? chunks : TokenListener.NONE;
        ReasoningListener split = chunks != null && reasoning.isPresent()
                ? new ReasoningListener(reasoning.get().splitter(), target) : null;
        Generation generation = null;
        try {
            generation = engine.generate(request, split != null ? split : target);
        } catch (GenerationAbandonedException e) {
            throw new Abandoned(e);
        } finally {
            if (split != null) {
                split.finish();
            }
            if (calls != null && generation != null) {
                calls.finish(tools.calls(generation.text()));
            }
            if (chunks != null) {
                chunks.close();
            }
        }
        metrics.generated(generation, tail.turnCount() > 0);
        quotas.charge(prompt.tenant(), generation.promptTokens(), generation.completionTokens());
        return generation;
    }

    /** Appends the turn with its reply; {@code null} when the history moved on and the turn is to be redone. */
    private Reply append(PendingTurn turn, long startNanos, HistoryTail tail, Generation generation,
                         Optional<ReasoningStart> reasoning, ParsedAnswer calls, TurnRetries retries)
            throws Abandoned {
        Prompt prompt = turn.prompt();
        // Numbered by the conversation's turn counter: older turns may be dropped from the store or not read.
        // An answer that called tools is kept as its text and its calls, which the template renders its own way.
        HistoryEntry entry = new HistoryEntry(tail.turnCount() + 1, prompt.requestId(), prompt.system(),
                prompt.messages(), calls != null ? calls.content() : generation.text(), clock.instant(),
                calls != null ? calls.calls() : null);
        Reply reply = calls != null ? replies.toolCalls(turn, entry.turn(), generation, reasoning, startNanos, calls)
                : replies.ok(turn, entry.turn(), generation, reasoning, startNanos);
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
        if (retries.historyMovedOn(((AppendOutcome.Conflict) outcome).historyLength())) {
            return writes.store(prompt, error(turn, startNanos, "history_conflict",
                    "the conversation's history kept changing while this turn was generated"));
        }
        return null;
    }

    private Reply error(PendingTurn turn, long startNanos, String code, String message) {
        log.warn("Turn failed with {}: {}", code, message);
        return replies.error(turn, startNanos, code, message);
    }

    /** The prompt's own template variables, and the tools when the turn offers them (the tools win a clash). */
    private static Map<String, Object> templateVariables(Prompt prompt, OutputFormat format) {
        Map<String, Object> tools = format.tools().templateVariables();
        if (tools.isEmpty()) {
            return prompt.templateVariables();
        }
        Map<String, Object> merged = new HashMap<>(prompt.templateVariables());
        merged.putAll(tools);
        return merged;
    }

    private GenerationRequest request(Prompt prompt, HistoryTail tail, OutputFormat format) {
        String system = prompt.system() != null ? prompt.system() : tail.system();
        Transcript transcript = new Transcript(system, tail.entries().stream().map(HistoryEntry::toExchange).toList(),
                prompt.messages(), tail.earlierTurns(), templateVariables(prompt, format));
        GenerationParams p = prompt.paramsOrDefaults();
        Sampling sampling = new Sampling(p.maxTokens() != null ? p.maxTokens() : settings.defaultMaxTokens(),
                p.temperature(), p.topP(), p.topK(), p.seed(), p.stop(), format.grammar(), p.minP(),
                new Sampling.Penalties(p.repeatPenalty(), p.presencePenalty(), p.frequencyPenalty()), p.logitBias(),
                p.wantsLogprobs() ? (p.topLogprobs() == null ? 0 : p.topLogprobs()) : null, p.choices(),
                format.grammarTriggers());
        String requestId = prompt.requestId();
        return new GenerationRequest(prompt.conversationId(), transcript, sampling, prompt.deadline(),
                () -> cancellations.isCancelled(prompt.conversationId(), requestId), prompt.priorityOrDefault());
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
            deadLetters.send(turn, "reply_undeliverable", "the reply could not be published: "
                    + failure.getClass().getSimpleName() + ": " + failure.getMessage());
            return;
        }
        metrics.replyPublished(Duration.ofNanos(System.nanoTime() - sent));
    }
}
