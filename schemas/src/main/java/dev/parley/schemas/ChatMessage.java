package dev.parley.schemas;

import java.util.List;
import java.util.Objects;

/**
 * One chat message: who said it and what.
 *
 * @param role       who said it
 * @param content    what was said; {@code null} only for an assistant message that calls tools instead
 * @param toolCalls  the tools an assistant message calls ({@code null}: none); other roles never carry them
 * @param toolCallId for a {@link Role#TOOL} message, the id of the call whose result {@code content} is; {@code null}
 *                   for every other role
 */
public record ChatMessage(Role role, String content, List<ToolCall> toolCalls, String toolCallId) {

    public ChatMessage {
        Objects.requireNonNull(role, "role");
        toolCalls = toolCalls == null || toolCalls.isEmpty() ? null : List.copyOf(toolCalls);
        if (toolCalls != null && role != Role.ASSISTANT) {
            throw new IllegalArgumentException("only an assistant message calls tools, not one of role "
                    + role.wireName());
        }
        if (toolCalls == null) {
            Objects.requireNonNull(content, "content");
        }
        if ((role == Role.TOOL) != (toolCallId != null)) {
            throw new IllegalArgumentException(role == Role.TOOL ? "a tool message needs tool_call_id"
                    : "only a tool message has a tool_call_id, not one of role " + role.wireName());
        }
    }

    /** A message without tool calls. */
    public ChatMessage(Role role, String content) {
        this(role, content, null, null);
    }

    public static ChatMessage user(String content) {
        return new ChatMessage(Role.USER, content);
    }

    public static ChatMessage assistant(String content) {
        return new ChatMessage(Role.ASSISTANT, content);
    }

    public static ChatMessage system(String content) {
        return new ChatMessage(Role.SYSTEM, content);
    }

    /** An assistant message calling {@code calls} (with {@code content} said alongside, or {@code null}). */
    public static ChatMessage assistant(String content, List<ToolCall> calls) {
        return new ChatMessage(Role.ASSISTANT, content, calls, null);
    }

    /** The result of the tool call {@code toolCallId}, passed back to the model. */
    public static ChatMessage tool(String toolCallId, String content) {
        return new ChatMessage(Role.TOOL, content, null, Objects.requireNonNull(toolCallId, "toolCallId"));
    }

    /** Whether this message calls tools, answers a tool call, or is otherwise about tools. */
    public boolean concernsTools() {
        return toolCalls != null || role == Role.TOOL;
    }
}
