package dev.parley.schemas;

/**
 * Token accounting of one turn.
 *
 * @param promptTokens     tokens of the rendered prompt (history + new turn)
 * @param cachedTokens     prompt tokens whose KV cache was reused instead of computed
 * @param completionTokens tokens generated
 */
public record Usage(int promptTokens, int cachedTokens, int completionTokens) {
    public static final Usage NONE = new Usage(0, 0, 0);
}
