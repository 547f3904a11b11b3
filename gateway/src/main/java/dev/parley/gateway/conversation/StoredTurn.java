package dev.parley.gateway.conversation;

import dev.parley.schemas.ChatMessage;
import dev.parley.schemas.ToolCall;
import java.util.List;

/**
 * One answered turn of a conversation's stored history, as the worker wrote it: the messages the turn carried, the
 * system prompt it set (or {@code null}: the previous one stays), the answer and the tools it called ({@code null}:
 * none).
 */
public record StoredTurn(int turn, String system, List<ChatMessage> messages, String answer,
                         List<ToolCall> answerCalls) {

    public StoredTurn {
        messages = List.copyOf(messages);
        answerCalls = answerCalls == null || answerCalls.isEmpty() ? null : List.copyOf(answerCalls);
    }

    /** A turn answered without tool calls. */
    public StoredTurn(int turn, String system, List<ChatMessage> messages, String answer) {
        this(turn, system, messages, answer, null);
    }

    /** The answer as the client sends it back: with its calls, and {@code null} content when it only called. */
    public ChatMessage answerMessage() {
        return ChatMessage.assistant(answerCalls != null && answer.isEmpty() ? null : answer, answerCalls);
    }
}
