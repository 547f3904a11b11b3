package dev.parley.worker.engine.cpp;

/**
 * How the native engine shares the KV of prompt prefixes between conversations: conversations that begin with the same
 * system prompt (rendered with the same template) get its KV copied in instead of computing it again.
 *
 * @param budgetBytes host RAM for the shared prefixes' KV, least recently used dropped first; 0 turns sharing off
 * @param minTokens   a prefix shorter than this is computed, not shared: copying it saves less than it costs to
 *                    hold and look up
 */
public record PrefixSharing(long budgetBytes, int minTokens) {

    public static final long DEFAULT_BUDGET_BYTES = 256L << 20;
    public static final int DEFAULT_MIN_TOKENS = 64;

    /** Sharing on, with the default budget and minimum length. */
    public static final PrefixSharing DEFAULT = new PrefixSharing(DEFAULT_BUDGET_BYTES, DEFAULT_MIN_TOKENS);
    /** Sharing off: every prompt is computed from its first token (or its conversation's own cached context). */
    public static final PrefixSharing OFF = new PrefixSharing(0, DEFAULT_MIN_TOKENS);

    public PrefixSharing {
        if (budgetBytes < 0) {
            throw new IllegalArgumentException("kv-prefix-bytes must be >= 0, got " + budgetBytes);
        }
        if (minTokens < 1) {
            throw new IllegalArgumentException("kv-prefix-min-tokens must be >= 1, got " + minTokens);
        }
    }

    public boolean enabled() {
        return budgetBytes > 0;
    }
}
