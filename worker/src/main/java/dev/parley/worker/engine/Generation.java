package dev.parley.worker.engine;

import dev.parley.schemas.FinishReason;

/**
 * The outcome of one generation.
 *
 * @param text             the answer exactly as generated (stored verbatim so the next turn renders the same tokens)
 * @param finishReason     why it ended
 * @param promptTokens     tokens of the rendered prompt
 * @param cachedTokens     prompt tokens not computed: reused in place or restored from a snapshot
 * @param restoredTokens   the part of {@code cachedTokens} restored from a snapshot
 * @param completionTokens tokens generated
 * @param droppedTurns     oldest turns left out to fit the context
 * @param firstTokenNanos  from the request to the first generated token
 * @param totalNanos       from the request to the end of generation
 * @param tier             where the conversation's earlier context was found
 * @param queuedNanos      the part of {@code firstTokenNanos} the request waited in the engine for a free slot
 */
public record Generation(String text, FinishReason finishReason, int promptTokens, int cachedTokens,
                         int restoredTokens, int completionTokens, int droppedTurns, long firstTokenNanos,
                         long totalNanos, KvTier tier, long queuedNanos) {

    /** A generation that started at once (the engine queues nothing). */
    public Generation(String text, FinishReason finishReason, int promptTokens, int cachedTokens, int restoredTokens,
                      int completionTokens, int droppedTurns, long firstTokenNanos, long totalNanos, KvTier tier) {
        this(text, finishReason, promptTokens, cachedTokens, restoredTokens, completionTokens, droppedTurns,
                firstTokenNanos, totalNanos, tier, 0);
    }

    /** From a slot starting the request to its first token: what computing or restoring its context took. */
    public long startedToFirstTokenNanos() {
        return Math.max(0, firstTokenNanos - queuedNanos);
    }

    /** Prompt tokens computed for this turn. */
    public int computedTokens() {
        return promptTokens - cachedTokens;
    }

    /** The conversation had no warm context: its prompt was computed from the transcript. */
    public boolean coldStart() {
        return tier == KvTier.PREFILL;
    }
}
