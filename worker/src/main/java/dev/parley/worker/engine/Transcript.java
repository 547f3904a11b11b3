package dev.parley.worker.engine;

import dev.parley.schemas.ChatMessage;
import java.util.ArrayList;
import java.util.List;

/**
 * What the model is shown: the system prompt, earlier turns (oldest first) and the new message(s).
 *
 * @param system  the conversation's system prompt, or {@code null}
 * @param history earlier turns, oldest first
 * @param pending the new turn's messages, the last one from the user
 */
public record Transcript(String system, List<Exchange> history, List<ChatMessage> pending) {

    public Transcript {
        history = List.copyOf(history);
        pending = List.copyOf(pending);
        if (pending.isEmpty()) {
            throw new IllegalArgumentException("a transcript needs at least one new message");
        }
    }

    /** The same transcript without its {@code dropped} oldest turns. */
    public Transcript withoutOldest(int dropped) {
        return new Transcript(system, history.subList(dropped, history.size()), pending);
    }

    /** All messages in order, the system prompt first. */
    public List<ChatMessage> messages() {
        List<ChatMessage> all = new ArrayList<>();
        if (system != null) {
            all.add(ChatMessage.system(system));
        }
        history.forEach(exchange -> all.addAll(exchange.messages()));
        all.addAll(pending);
        return all;
    }
}
