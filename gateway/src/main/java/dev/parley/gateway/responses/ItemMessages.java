package dev.parley.gateway.responses;

import dev.parley.schemas.ChatMessage;
import dev.parley.schemas.Reply;
import dev.parley.schemas.Role;
import dev.parley.schemas.ToolCall;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * Responses items as the chat messages the pool carries: a message item is a message, a {@code function_call} joins
 * the assistant message before it (one model turn's text and calls are one assistant message, as in chat
 * completions), and a {@code function_call_output} is a {@code tool} message answering its call.
 */
final class ItemMessages {

    private ItemMessages() {
    }

    static List<ChatMessage> toChat(List<? extends InputItem> items) {
        List<ChatMessage> messages = new ArrayList<>();
        for (InputItem item : items) {
            if (item instanceof InputMessage message) {
                messages.add(message.toChat());
            } else if (item instanceof FunctionCallItem call) {
                addCall(messages, ToolCall.of(call.callId(), call.name(), call.arguments()));
            } else if (item instanceof FunctionCallOutputItem output) {
                messages.add(ChatMessage.tool(output.callId(), output.output()));
            }
        }
        return messages;
    }

    /** Adds the call to the assistant message just before it, or as a new assistant message. */
    private static void addCall(List<ChatMessage> messages, ToolCall call) {
        ChatMessage last = messages.isEmpty() ? null : messages.get(messages.size() - 1);
        if (last == null || last.role() != Role.ASSISTANT) {
            messages.add(ChatMessage.assistant(null, List.of(call)));
            return;
        }
        List<ToolCall> calls = new ArrayList<>(last.toolCalls() == null ? List.of() : last.toolCalls());
        calls.add(call);
        String content = last.content() == null || last.content().isEmpty() ? null : last.content();
        messages.set(messages.size() - 1, ChatMessage.assistant(content, calls));
    }

    /** The reply as the assistant message a client sends back next time (only calls: {@code null} content). */
    static ChatMessage answer(Reply reply) {
        boolean onlyCalls = reply.toolCalls() != null && (reply.content() == null || reply.content().isEmpty());
        return ChatMessage.assistant(onlyCalls ? null : reply.content() == null ? "" : reply.content(),
                reply.toolCalls());
    }

    /** A stored response's answer: its text and the {@code function_call} items of its output. */
    static ChatMessage answer(StoredResponse stored) {
        List<ToolCall> calls = new ArrayList<>();
        for (JsonNode item : stored.response().path("output")) {
            if (item.path("type").asString("").equals("function_call")) {
                calls.add(ToolCall.of(item.path("call_id").asString(), item.path("name").asString(),
                        item.path("arguments").asString("")));
            }
        }
        boolean onlyCalls = !calls.isEmpty() && stored.outputText().isEmpty();
        return ChatMessage.assistant(onlyCalls ? null : stored.outputText(), calls);
    }
}
