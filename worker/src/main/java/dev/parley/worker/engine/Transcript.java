package dev.parley.worker.engine;

import dev.parley.schemas.ChatMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What the model is shown: the system prompt, earlier turns (oldest first) and the new message(s).
 *
 * @param system       the conversation's system prompt, or {@code null}
 * @param history      earlier turns, oldest first
 * @param pending      the new turn's messages, the last one from the user
 * @param earlierTurns turns of the conversation before {@code history} that are not in it (no longer stored, or
 *                     not read because no context could use them); {@code history.get(0)} is turn
 *                     {@code earlierTurns + 1}
 * @param templateVariables more variables for the model's chat template ({@code chat_template_kwargs} such as
 *                     {@code enable_thinking}, and {@code reasoning_effort}); empty for most turns
 */
public record Transcript(String system, List<Exchange> history, List<ChatMessage> pending, int earlierTurns,
                         Map<String, Object> templateVariables) {

    public Transcript {
        history = List.copyOf(history);
        pending = List.copyOf(pending);
        templateVariables = templateVariables == null ? Map.of() : Map.copyOf(templateVariables);
        if (pending.isEmpty()) {
            throw new IllegalArgumentException("a transcript needs at least one new message");
        }
        if (earlierTurns < 0) {
            throw new IllegalArgumentException("earlierTurns must be >= 0, got " + earlierTurns);
        }
    }

    public Transcript(String system, List<Exchange> history, List<ChatMessage> pending, int earlierTurns) {
        this(system, history, pending, earlierTurns, Map.of());
    }

    /** A transcript holding the whole conversation. */
    public Transcript(String system, List<Exchange> history, List<ChatMessage> pending) {
        this(system, history, pending, 0);
    }

    /** The same transcript without its {@code dropped} oldest turns (which then count as earlier turns). */
    public Transcript withoutOldest(int dropped) {
        return new Transcript(system, history.subList(dropped, history.size()), pending, earlierTurns + dropped,
                templateVariables);
    }

    /** The same transcript, rendered with these chat-template variables. */
    public Transcript withTemplateVariables(Map<String, Object> variables) {
        return new Transcript(system, history, pending, earlierTurns, variables);
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
