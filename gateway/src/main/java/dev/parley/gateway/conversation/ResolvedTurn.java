package dev.parley.gateway.conversation;

import dev.parley.schemas.ChatMessage;
import java.util.List;

/**
 * Where a chat request goes and what of it is sent.
 *
 * @param conversationId the Parley conversation
 * @param system         the system prompt to send, or {@code null} to keep the stored one
 * @param messages       the messages of the turn: only the new tail when continuing, everything when seeding
 * @param kind           how the conversation was chosen
 */
public record ResolvedTurn(String conversationId, String system, List<ChatMessage> messages, Kind kind) {

    public enum Kind {
        /** The stored history was a prefix of the request: only the tail is sent. */
        CONTINUED,
        /** No history yet: the request's messages seed the conversation. */
        NEW,
        /** The request diverged from the stored history (an edit or a regenerate): a new conversation, seeded. */
        FORKED
    }

    public ResolvedTurn {
        messages = List.copyOf(messages);
    }
}
