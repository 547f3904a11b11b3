package dev.parley.worker.history;

import dev.parley.schemas.Reply;
import java.util.List;
import java.util.Optional;

/**
 * Where conversations live between turns and across workers. Appending a turn and recording its reply happen
 * atomically together, keyed by request id, so a redelivered request never appends twice.
 */
public interface HistoryStore extends AutoCloseable {

    /** The conversation's turns, oldest first (empty for a new conversation). */
    List<HistoryEntry> load(String conversationId);

    /** The reply stored for a request, if it was answered before. */
    Optional<Reply> storedReply(String conversationId, String requestId);

    /**
     * Appends {@code entry} and stores {@code reply} for its request id, atomically, provided the request was not
     * answered before and the history still has {@code entry.turn() - 1} turns.
     */
    AppendOutcome append(String conversationId, HistoryEntry entry, Reply reply);

    /**
     * Stores a reply for a request without adding a turn (a cancelled or expired request), unless one is stored
     * already; returns the reply that stands.
     */
    Reply recordReply(String conversationId, String requestId, Reply reply);

    /** Remembers that a request was cancelled, for whichever worker takes it up. */
    void markCancelled(String conversationId, String requestId);

    /** Whether a request was cancelled. */
    boolean isCancelled(String conversationId, String requestId);

    /** Whether the store answers now. */
    boolean isReachable();

    @Override
    void close();
}
