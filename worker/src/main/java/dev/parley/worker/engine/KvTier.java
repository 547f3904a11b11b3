package dev.parley.worker.engine;

import java.util.Locale;

/** Where a turn found its conversation's earlier context (its KV cache). */
public enum KvTier {
    /** Still in the conversation's sequence: the common prefix was reused where it lay. */
    IN_PLACE,
    /** In a host-RAM snapshot of the sequence, copied back into a free sequence. */
    SNAPSHOT,
    /**
     * Not this conversation's own: the KV of its prompt's leading system prompt (plus template), computed once by
     * another conversation, was copied into its sequence and the rest of the prompt computed from there.
     */
    PREFIX,
    /** In a snapshot file of the disk tier (kept across restarts), read back off the engine thread. */
    DISK,
    /** Nowhere: the prompt was computed from the transcript (the first turn, or a conversation gone cold). */
    PREFILL;

    /** The name in metrics tags and reports. */
    public String tagValue() {
        return name().toLowerCase(Locale.ROOT);
    }
}
