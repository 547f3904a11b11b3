package dev.parley.worker.engine;

import dev.parley.schemas.FinishReason;

/**
 * The outcome of one generation.
 *
 * @param text             the answer exactly as generated (stored verbatim so the next turn renders the same tokens)
 * @param finishReason     why it ended
 * @param promptTokens     tokens of the rendered prompt
 * @param cachedTokens     prompt tokens not computed: reused in place or restored from a snapshot
 * @param restoredTokens   the part of {@code cachedTokens} restored from a host-RAM snapshot
 * @param diskTokens       the part of {@code cachedTokens} restored from a disk snapshot
 * @param completionTokens tokens generated
 * @param droppedTurns     oldest turns left out to fit the context
 * @param firstTokenNanos  from the request to the first generated token
 * @param totalNanos       from the request to the end of generation
 * @param tier             where the conversation's earlier context was found
 */
public record Generation(String text, FinishReason finishReason, int promptTokens, int cachedTokens,
                         int restoredTokens, int diskTokens, int completionTokens, int droppedTurns,
                         long firstTokenNanos, long totalNanos, KvTier tier) {

    /** A generation without a disk tier. */
    public Generation(String text, FinishReason finishReason, int promptTokens, int cachedTokens, int restoredTokens,
                      int completionTokens, int droppedTurns, long firstTokenNanos, long totalNanos, KvTier tier) {
        this(text, finishReason, promptTokens, cachedTokens, restoredTokens, 0, completionTokens, droppedTurns,
                firstTokenNanos, totalNanos, tier);
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
