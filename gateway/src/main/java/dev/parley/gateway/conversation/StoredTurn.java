package dev.parley.gateway.conversation;

import dev.parley.schemas.ChatMessage;
import java.util.List;

/**
 * One answered turn of a conversation's stored history, as the worker wrote it: the messages the turn carried, the
 * system prompt it set (or {@code null}: the previous one stays) and the answer.
 */
public record StoredTurn(int turn, String system, List<ChatMessage> messages, String answer) {

    public StoredTurn {
        messages = List.copyOf(messages);
    }
}
