package dev.parley.gateway.conversation;

import java.util.List;

/** Reads a conversation's stored history; the gateway never writes it (only workers do). */
public interface HistoryReader {

    /** The turns, oldest first; empty for an unknown conversation. */
    List<StoredTurn> load(String conversationId);

    /**
     * The system prompt in force, which outlives the turn that set it when that turn is trimmed; {@code null} when
     * none (or when this reader cannot tell).
     */
    default String system(String conversationId) {
        return null;
    }
}
