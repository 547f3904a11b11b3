package dev.parley.worker.engine;

import dev.parley.worker.engine.template.ReasoningStart;
import java.util.Optional;

/**
 * The port between a turn and the model. One engine serves every conversation of a worker from one loaded model;
 * implementations keep each conversation's KV cache warm between its turns where they can.
 *
 * <p>{@link #generate} is called from several turn threads at once (at most {@link #turnsInFlight()} at a time,
 * unless configured otherwise) and blocks until the generation ends.
 */
public interface InferenceEngine extends AutoCloseable {

    /** What is loaded and how much context a conversation gets. */
    EngineInfo info();

    /**
     * Generates the assistant's answer to a transcript.
     *
     * @param request  the conversation, its transcript and sampling parameters
     * @param listener receives text as it is generated
     * @throws ContextOverflowException when the new turn cannot fit even without history (not worth retrying)
     * @throws EngineException          when generation failed (worth retrying)
     */
    Generation generate(GenerationRequest request, TokenListener listener);

    /**
     * How many turns the worker runs at once unless {@code max-in-flight} says otherwise: one per slot, or more for an
     * engine that queues prepared turns (history loaded, prompt tokenized) so a freed slot is refilled at once.
     */
    default int turnsInFlight() {
        return info().slots();
    }

    /** Slots generating now, for metrics; -1 when the engine does not know. */
    default int busySlots() {
        return -1;
    }

    /** Conversations whose KV cache is held warm now, for metrics; -1 when the engine does not know. */
    default int warmConversations() {
        return -1;
    }

    /** Snapshot and eviction counters; {@link KvCacheStats#NONE} for engines that keep no snapshots. */
    default KvCacheStats kvCacheStats() {
        return KvCacheStats.NONE;
    }

    /** Shared prompt prefix counters; {@link PrefixCacheStats#NONE} for engines that share no prefixes. */
    default PrefixCacheStats prefixCacheStats() {
        return PrefixCacheStats.NONE;
    }

    /** The disk KV tier's counters; {@link DiskTierStats#OFF} for engines without one. */
    default DiskTierStats diskTierStats() {
        return DiskTierStats.OFF;
    }

    /** Adds a listener told of each snapshot taken or restored; engines without snapshots never call it. */
    default void addKvCacheListener(KvCacheListener listener) {
    }

    /**
     * Whether the engine pauses a running batch generation when an interactive one waits for a slot (see
     * {@link GenerationRequest#priority()}); the dispatcher then lets interactive turns through beyond the slots.
     */
    default boolean preempts() {
        return false;
    }

    /**
     * Whether the engine renders tools into the prompt and parses the model's tool calls; a worker whose engine does
     * not dead-letters prompts that ask for tools ({@code unsupported_feature}). An engine calls tools when its
     * {@link EngineInfo#toolSyntax()} says how its model writes them.
     */
    default boolean callsTools() {
        return info().toolSyntax() != null;
    }

    /**
     * How the answer to {@code transcript} splits into reasoning and answer, for a model whose chat template shows
     * it reasons aloud ({@code <think>...</think>}, say); empty for other models and engines, whose whole output is
     * the answer.
     */
    default Optional<ReasoningStart> reasoning(Transcript transcript) {
        return Optional.empty();
    }

    /** Batch generations paused so far for interactive ones; 0 for engines that do not preempt. */
    default long preemptions() {
        return 0;
    }

    /** Whether the engine can still generate (false once closed, or if its thread died); for health checks. */
    default boolean isAlive() {
        return true;
    }

    /** {@link System#nanoTime()} of the engine's last sign of progress; for stall detection. */
    default long lastProgressNanos() {
        return System.nanoTime();
    }

    /** Whether generations are running or waiting, so that a lack of progress means a stall. */
    default boolean hasWork() {
        return false;
    }

    /** Releases what can be released. The model itself may stay mapped until the process exits. */
    @Override
    void close();
}
