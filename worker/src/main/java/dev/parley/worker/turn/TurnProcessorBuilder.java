package dev.parley.worker.turn;

import dev.parley.worker.control.Cancellations;
import dev.parley.worker.dispatch.PendingTurn;
import dev.parley.worker.engine.InferenceEngine;
import dev.parley.worker.history.HistoryStore;
import dev.parley.worker.intake.DeadLetterPublisher;
import dev.parley.worker.metrics.WorkerMetrics;
import dev.parley.worker.quota.QuotaGate;
import dev.parley.worker.reply.ChunkStreams;
import dev.parley.worker.reply.ReplyPublisher;
import dev.parley.worker.reply.ReplyTopics;
import java.time.Clock;
import java.util.function.Consumer;

/**
 * Collects a {@link TurnProcessor}'s parts, so that the processor is built in one step with every field final.
 * Everything but the five parts passed to {@link TurnProcessor#builder} and {@link #onDone} has a default.
 */
public final class TurnProcessorBuilder {

    final HistoryStore history;
    final InferenceEngine engine;
    final ReplyPublisher publisher;
    final WorkerMetrics metrics;
    final TurnSettings settings;
    Consumer<PendingTurn> onDone;
    DeadLetterPublisher deadLetters;
    Cancellations cancellations = new Cancellations();
    Sleeper sleeper = Sleeper.REAL;
    Clock clock = Clock.systemUTC();
    ChunkStreams chunkStreams;
    String model;
    ReplyTopics replyTopics;
    QuotaGate quotas = QuotaGate.UNLIMITED;

    TurnProcessorBuilder(HistoryStore history, InferenceEngine engine, ReplyPublisher publisher,
                         WorkerMetrics metrics, TurnSettings settings) {
        this.history = history;
        this.engine = engine;
        this.publisher = publisher;
        this.metrics = metrics;
        this.settings = settings;
    }

    /** Told of each turn once it is done (its reply or dead letter acknowledged): the intake commits it. */
    public TurnProcessorBuilder onDone(Consumer<PendingTurn> onDone) {
        this.onDone = onDone;
        return this;
    }

    /** Where turns that cannot be answered are reported ({@code poison_turn}, ...); by default nowhere. */
    public TurnProcessorBuilder deadLetters(DeadLetterPublisher deadLetters) {
        this.deadLetters = deadLetters;
        return this;
    }

    /** The cancellations the control listener read; by default a set of this processor's own. */
    public TurnProcessorBuilder cancellations(Cancellations cancellations) {
        this.cancellations = cancellations;
        return this;
    }

    /** How retries wait; tests pass one that records. */
    public TurnProcessorBuilder sleeper(Sleeper sleeper) {
        this.sleeper = sleeper;
        return this;
    }

    /** The clock of deadlines and history timestamps. */
    public TurnProcessorBuilder clock(Clock clock) {
        this.clock = clock;
        return this;
    }

    /**
     * Sends streamed chunks through {@code streams} (a sender thread, so the engine never waits on Kafka); without
     * it chunks are sent on the thread that produced them.
     */
    public TurnProcessorBuilder streamingThrough(ChunkStreams streams) {
        this.chunkStreams = streams;
        return this;
    }

    /** Reports {@code model} in replies (the name the worker serves its model as) instead of the engine's. */
    public TurnProcessorBuilder reportingModel(String model) {
        this.model = model;
        return this;
    }

    /** Checks reply_to topics (allowed, existing) before answering; without it every reply_to is trusted. */
    public TurnProcessorBuilder checkingReplyTopics(ReplyTopics topics) {
        this.replyTopics = topics;
        return this;
    }

    /** Applies tenant token quotas; without it no turn is limited. */
    public TurnProcessorBuilder limitingTenants(QuotaGate gate) {
        this.quotas = gate;
        return this;
    }

    /** The processor; fails when a part without a default was not given. */
    public TurnProcessor build() {
        if (onDone == null || cancellations == null || sleeper == null || clock == null || quotas == null) {
            throw new IllegalStateException("a turn processor needs onDone, cancellations, a sleeper, a clock "
                    + "and a quota gate");
        }
        return new TurnProcessor(this);
    }
}
