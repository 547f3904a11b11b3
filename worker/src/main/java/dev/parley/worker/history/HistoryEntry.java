package dev.parley.worker.history;

import dev.parley.schemas.ChatMessage;
import dev.parley.schemas.ToolCall;
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
 * @param answer    the assistant's text (without the calls when it called tools)
 * @param at        when it was stored
 * @param toolCalls the tools the answer called, or {@code null}: none (entries stored before tool calling have none)
 */
public record HistoryEntry(int turn, String requestId, String system, List<ChatMessage> messages, String answer,
                           Instant at, List<ToolCall> toolCalls) {

    public HistoryEntry {
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(answer, "answer");
        messages = List.copyOf(messages);
        toolCalls = toolCalls == null || toolCalls.isEmpty() ? null : List.copyOf(toolCalls);
    }

    /** A turn answered without tool calls. */
    public HistoryEntry(int turn, String requestId, String system, List<ChatMessage> messages, String answer,
                        Instant at) {
        this(turn, requestId, system, messages, answer, at, null);
    }

    /** The turn as the model sees it: its messages, then the answer with its tool calls. */
    public Exchange toExchange() {
        List<ChatMessage> all = new ArrayList<>(messages);
        all.add(ChatMessage.assistant(answer, toolCalls));
        return new Exchange(all);
    }
}
