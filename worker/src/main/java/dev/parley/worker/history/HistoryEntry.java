package dev.parley.worker.history;

import dev.parley.schemas.ChatMessage;
import dev.parley.worker.engine.Exchange;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One answered turn as stored: the messages sent, the assistant's answer exactly as generated, and the request id
 * that produced it (so a redelivery is recognised).
 *
 * @param turn      1-based position in the conversation
 * @param requestId the prompt's request id
 * @param system    the system prompt the prompt carried, or {@code null} (the previous one stays in force)
 * @param messages  the prompt's messages
 * @param answer    the assistant's text
 * @param at        when it was stored
 */
public record HistoryEntry(int turn, String requestId, String system, List<ChatMessage> messages, String answer,
                           Instant at) {

    public HistoryEntry {
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(answer, "answer");
        messages = List.copyOf(messages);
    }

    /** The turn as the model sees it: its messages, then the answer. */
    public Exchange toExchange() {
        List<ChatMessage> all = new ArrayList<>(messages);
        all.add(ChatMessage.assistant(answer));
        return new Exchange(all);
    }
}
