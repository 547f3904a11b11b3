package dev.parley.worker.history;

/**
 * How much of a conversation Redis keeps. The turn list holds at most {@code maxTurns} turns and at most
 * {@code maxBytes} bytes of stored JSON; the append that exceeds a bound drops the oldest turns, in the same atomic
 * step, down to {@link #KEEP_AFTER_TRIM} of the bounds. Replies kept for idempotency are bounded the same way: the last {@code replyWindow} request ids,
 * and at most {@code maxBytes} bytes of reply JSON. The newest turn and the newest reply are always kept, even when
 * one alone is larger than {@code maxBytes}.
 *
 * @param maxTurns    turns kept per conversation
 * @param maxBytes    bytes of turn JSON kept per conversation, and again of reply JSON
 * @param replyWindow request ids per conversation whose replies are kept for redeliveries
 */
public record HistoryLimits(int maxTurns, long maxBytes, int replyWindow) {

    public static final int DEFAULT_MAX_TURNS = 1000;
    public static final long DEFAULT_MAX_BYTES = 1L << 20;
    public static final int DEFAULT_REPLY_WINDOW = 1000;
    /**
     * Share of each bound kept after a trim. Dropping one turn per turn would change the first turns of every prompt
     * and throw away the engine's cached prefix each time (as {@code ContextWindow} avoids for the context); with
     * 0.9, a history at its bound starts at the same turn for a tenth of the bound's turns.
     */
    public static final double KEEP_AFTER_TRIM = 0.9;
    public static final HistoryLimits DEFAULTS = new HistoryLimits(DEFAULT_MAX_TURNS, DEFAULT_MAX_BYTES,
            DEFAULT_REPLY_WINDOW);

    public HistoryLimits {
        if (maxTurns < 1) {
            throw new IllegalArgumentException("history-max-turns must be >= 1, got " + maxTurns);
        }
        if (maxBytes < 1) {
            throw new IllegalArgumentException("history-max-bytes must be >= 1, got " + maxBytes);
        }
        if (replyWindow < 1) {
            throw new IllegalArgumentException("idempotency-window must be >= 1, got " + replyWindow);
        }
    }
}
