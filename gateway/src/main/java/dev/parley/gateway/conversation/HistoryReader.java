package dev.parley.gateway.conversation;

import java.util.List;

/** Reads a conversation's stored history; the gateway never writes it (only workers do). */
public interface HistoryReader {

    /** The turns, oldest first; empty for an unknown conversation. */
    List<StoredTurn> load(String conversationId);
}
