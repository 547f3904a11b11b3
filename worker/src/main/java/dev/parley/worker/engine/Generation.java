package dev.parley.worker.engine;

import dev.parley.schemas.FinishReason;

/**
 * The outcome of one generation.
 *
 * @param text             the answer exactly as generated (stored verbatim so the next turn renders the same tokens)
 * @param finishReason     why it ended
 * @param promptTokens     tokens of the rendered prompt
 * @param cachedTokens     prompt tokens found in the slot's KV cache and not recomputed
 * @param completionTokens tokens generated
 * @param droppedTurns     oldest turns left out to fit the context
 * @param firstTokenNanos  from the request to the first generated token
 * @param totalNanos       from the request to the end of generation
 * @param coldStart        the conversation had no warm slot: its context was rebuilt from history
 */
public record Generation(String text, FinishReason finishReason, int promptTokens, int cachedTokens,
                         int completionTokens, int droppedTurns, long firstTokenNanos, long totalNanos,
                         boolean coldStart) {
}
