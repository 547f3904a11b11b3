package dev.parley.worker.engine;

import dev.parley.schemas.FinishReason;
import dev.parley.schemas.TokenLogprob;
import java.util.List;

/**
 * The outcome of one generation.
 *
 * @param text             the answer exactly as generated (stored verbatim so the next turn renders the same tokens)
 * @param finishReason     why it ended
 * @param promptTokens     tokens of the rendered prompt
 * @param cachedTokens     prompt tokens not computed: reused in place, restored from a snapshot (RAM or disk) or from
 *                         a shared prompt prefix
 * @param restoredTokens   the part of {@code cachedTokens} restored from a host-RAM snapshot
 * @param completionTokens tokens generated
 * @param droppedTurns     oldest turns left out to fit the context
 * @param firstTokenNanos  from the request to the first generated token
 * @param totalNanos       from the request to the end of generation
 * @param tier             where the conversation's earlier context was found
 * @param prefixTokens     the part of {@code cachedTokens} restored from a prompt prefix shared between conversations
 * @param diskTokens       the part of {@code cachedTokens} restored from a disk snapshot
 * @param queuedNanos      the part of {@code firstTokenNanos} the request waited in the engine for a free sequence
 * @param logprobs         the log probability of each token of {@code text}, in order, when the request asked for
 *                         them ({@link Sampling#logprobs()}); else {@code null}
 */
public record Generation(String text, FinishReason finishReason, int promptTokens, int cachedTokens,
                         int restoredTokens, int completionTokens, int droppedTurns, long firstTokenNanos,
                         long totalNanos, KvTier tier, int prefixTokens, int diskTokens, long queuedNanos,
                         List<TokenLogprob> logprobs) {

    public Generation {
        logprobs = logprobs == null ? null : List.copyOf(logprobs);
    }

    /** A generation without log probabilities. */
    public Generation(String text, FinishReason finishReason, int promptTokens, int cachedTokens,
                      int restoredTokens, int completionTokens, int droppedTurns, long firstTokenNanos,
                      long totalNanos, KvTier tier, int prefixTokens, int diskTokens, long queuedNanos) {
        this(text, finishReason, promptTokens, cachedTokens, restoredTokens, completionTokens, droppedTurns,
                firstTokenNanos, totalNanos, tier, prefixTokens, diskTokens, queuedNanos, null);
    }

    /** A generation that restored nothing from a shared prefix or from disk, and started at once. */
    public Generation(String text, FinishReason finishReason, int promptTokens, int cachedTokens, int restoredTokens,
                      int completionTokens, int droppedTurns, long firstTokenNanos, long totalNanos, KvTier tier) {
        this(text, finishReason, promptTokens, cachedTokens, restoredTokens, completionTokens, droppedTurns,
                firstTokenNanos, totalNanos, tier, 0, 0, 0);
    }

    /** From a slot starting the request to its first token: what computing or restoring its context took. */
    public long startedToFirstTokenNanos() {
        return Math.max(0, firstTokenNanos - queuedNanos);
    }

    /** Prompt tokens computed for this turn. */
    public int computedTokens() {
        return promptTokens - cachedTokens;
    }

    /**
     * The conversation had no warm context of its own: its prompt was computed from the transcript (from a shared
     * prefix onwards, or from the start).
     */
    public boolean coldStart() {
        return tier == KvTier.PREFILL || tier == KvTier.PREFIX;
    }
}
