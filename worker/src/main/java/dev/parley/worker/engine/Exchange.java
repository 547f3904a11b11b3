package dev.parley.worker.engine;

import dev.parley.schemas.ChatMessage;
import java.util.List;

/** One earlier turn of a conversation: the messages sent, then the assistant's answer. */
public record Exchange(List<ChatMessage> messages) {
    public Exchange {
        messages = List.copyOf(messages);
    }
}
