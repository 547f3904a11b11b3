package dev.parley.worker.history;

import dev.parley.schemas.Reply;
import dev.parley.schemas.codec.WireJson;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * Where conversations live between turns and across workers. Appending a turn and recording its reply happen
 * atomically together, keyed by request id, so a redelivered request never appends twice (within the store's
 * idempotency window, see {@link HistoryLimits}).
 */
public interface HistoryStore extends AutoCloseable {

    /**
     * The conversation's stored turns, oldest first (empty for a new conversation). A bounded store holds only the
     * newest ones; their turn numbers say where they are in the conversation.
     */
    List<HistoryEntry> load(String conversationId);

    /**
     * The newest stored turns that {@code budget} allows, with the conversation's turn count and the system prompt
     * in force: what a turn needs, without reading what its context window cannot use.
     */
    default HistoryTail loadTail(String conversationId, TailBudget budget) {
        return HistoryTail.of(load(conversationId), budget,
                entry -> WireJson.toString(entry).getBytes(StandardCharsets.UTF_8).length);
    }

    /** The reply stored for a request, if it was answered before. */
    Optional<Reply> storedReply(String conversationId, String requestId);

    /**
     * Appends {@code entry} and stores {@code reply} for its request id, atomically, provided the conversation
     * belongs to {@code tenant} ({@link ConversationOwner}: the first append records it), the request was not
     * answered before and the conversation still has {@code entry.turn() - 1} turns (counted, not listed: turns
     * dropped by the store's bound count too). Turns beyond the store's bound are dropped, oldest first, in the same
     * step.
     *
     * @param tenant the prompt's tenant, or {@code null} for none
     */
    AppendOutcome append(String conversationId, String tenant, HistoryEntry entry, Reply reply);

    /** {@link #append(String, String, HistoryEntry, Reply)} for a prompt without a tenant. */
    default AppendOutcome append(String conversationId, HistoryEntry entry, Reply reply) {
        return append(conversationId, null, entry, reply);
    }

    /**
     * Who the conversation belongs to; empty while no turn was appended to it (or only turns stored by a worker
     * before owners were recorded: the next append claims it).
     */
    Optional<ConversationOwner> owner(String conversationId);

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
