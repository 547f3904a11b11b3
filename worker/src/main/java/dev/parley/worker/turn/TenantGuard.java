package dev.parley.worker.turn;

import dev.parley.schemas.Prompt;
import dev.parley.schemas.Reply;
import dev.parley.schemas.validation.RejectionCode;
import dev.parley.worker.dispatch.PendingTurn;
import dev.parley.worker.history.ConversationOwner;
import dev.parley.worker.history.HistoryStore;
import java.util.Optional;

/**
 * Keeps a conversation to the tenant that owns it ({@link ConversationOwner}): a prompt of another tenant, or without
 * a tenant on a tenant's conversation, is refused before anything is read or written for it. Its refusal is an error
 * reply {@code tenant_mismatch} to the prompt's reply topic, not stored under its request id (that would let any
 * tenant put answers into another's conversation), and a dead letter of the same code.
 */
final class TenantGuard {

    static final String CODE = RejectionCode.TENANT_MISMATCH.wireName();

    private final HistoryStore history;
    private final ReplyFactory replies;

    TenantGuard(HistoryStore history, ReplyFactory replies) {
        this.history = history;
        this.replies = replies;
    }

    /** Whether the prompt's tenant may continue its conversation (throws HistoryUnavailableException). */
    boolean admits(Prompt prompt) {
        Optional<ConversationOwner> owner = history.owner(prompt.conversationId());
        return owner.isEmpty() || owner.get().admits(prompt.tenant());
    }

    /** The error reply of a refused prompt; it names neither the owner nor its history. */
    Reply refusal(PendingTurn turn, long startNanos) {
        return replies.error(turn, startNanos, CODE, "conversation " + turn.conversationId()
                + " belongs to another tenant; nothing was read or stored");
    }

    /** The dead letter's reason: for the operator, the prompt's tenant (the owner is in Redis). */
    static String deadLetterReason(Prompt prompt) {
        return "the conversation belongs to another tenant than the prompt's ("
                + (prompt.tenant() == null ? "no tenant" : "tenant " + prompt.tenant()) + ")";
    }
}
