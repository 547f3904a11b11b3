package dev.parley.worker.history;

/**
 * How much of the newest history a turn reads: at most {@code maxTurns} turns and {@code maxBytes} bytes of stored
 * JSON, newest first. A turn's context window can use no more than that, so the rest stays in Redis.
 *
 * @param maxTurns turns read at most
 * @param maxBytes bytes of stored turn JSON read at most
 */
public record TailBudget(int maxTurns, long maxBytes) {

    /**
     * Stored bytes allowed per context token. A turn renders to at least one token (in practice several template
     * tokens) and a token stands for a few bytes of text (the longest pieces of common vocabularies are a few dozen
     * bytes); 128 bytes per token also covers the JSON around each turn. A tail that could still fit the context
     * is therefore always read whole.
     */
    public static final int BYTES_PER_CONTEXT_TOKEN = 128;

    public TailBudget {
        if (maxTurns < 0 || maxBytes < 0) {
            throw new IllegalArgumentException("a tail budget cannot be negative: " + maxTurns + " turns, "
                    + maxBytes + " bytes");
        }
    }

    /** What a context of {@code contextTokens} tokens can use at most. */
    public static TailBudget forContext(int contextTokens) {
        return new TailBudget(contextTokens, (long) contextTokens * BYTES_PER_CONTEXT_TOKEN);
    }

    /** No bound: the whole stored history. */
    public static TailBudget unbounded() {
        return new TailBudget(Integer.MAX_VALUE, Long.MAX_VALUE);
    }
}
