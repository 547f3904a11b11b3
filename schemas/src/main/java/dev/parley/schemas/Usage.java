package dev.parley.schemas;

/**
 * Token accounting of one turn. Of the prompt's tokens, {@code cachedTokens} were not computed: {@code restoredTokens}
 * of them came back from a host-RAM snapshot of the conversation's KV cache, {@code prefixTokens} from a prompt
 * prefix shared with other conversations (their common system prompt), {@code diskTokens} from a snapshot file on disk,
 * and the rest were still in place in its sequence; {@code promptTokens - cachedTokens} were computed.
 *
 * @param promptTokens     tokens of the rendered prompt (history + new turn)
 * @param cachedTokens     prompt tokens whose KV cache was reused (in place, from a snapshot or from a shared prefix)
 *                         instead of computed
 * @param restoredTokens   the part of {@code cachedTokens} restored from a host-RAM snapshot (0 for absent, older
 *                         replies)
 * @param completionTokens tokens generated
 * @param prefixTokens     the part of {@code cachedTokens} restored from a shared prompt prefix (0 for absent, older
 *                         replies)
 * @param diskTokens       the part of {@code cachedTokens} restored from a disk snapshot (0 for absent, older replies)
 */
public record Usage(int promptTokens, int cachedTokens, int restoredTokens, int completionTokens, int prefixTokens,
                    int diskTokens) {
    public static final Usage NONE = new Usage(0, 0, 0, 0, 0, 0);

    /** Usage of a turn that restored nothing from a shared prefix or from disk. */
    public Usage(int promptTokens, int cachedTokens, int restoredTokens, int completionTokens) {
        this(promptTokens, cachedTokens, restoredTokens, completionTokens, 0, 0);
    }

    /** Prompt tokens computed for this turn. */
    public int computedTokens() {
        return promptTokens - cachedTokens;
    }

    /** Prompt tokens reused where they lay in the conversation's sequence. */
    public int reusedInPlaceTokens() {
        return cachedTokens - restoredTokens - prefixTokens - diskTokens;
    }
}
