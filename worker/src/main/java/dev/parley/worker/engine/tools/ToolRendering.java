package dev.parley.worker.engine.tools;

import dev.parley.schemas.ChatMessage;
import dev.parley.schemas.Tool;
import dev.parley.schemas.ToolCall;
import dev.parley.schemas.codec.WireJson;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;

/**
 * Tools and tool messages as a chat template is given them, in the shape Hugging Face templates read: {@code tools}
 * as OpenAI's tool objects, an assistant message's {@code tool_calls} with the arguments as an object (templates
 * write them with {@code tojson}), a tool message's {@code tool_call_id}.
 *
 * <p>A template that shows no tools (SmolLM2's, most ChatML ones) still lets the model call them, as llama.cpp's
 * generic format does: the tools and the answer's JSON shape go into the system message, earlier calls are
 * written into the assistant's text in that shape, and tool results come as user messages.
 */
public final class ToolRendering {

    private final boolean rendersTools;
    private final boolean rendersToolCalls;

    private ToolRendering(boolean rendersTools, boolean rendersToolCalls) {
        this.rendersTools = rendersTools;
        this.rendersToolCalls = rendersToolCalls;
    }

    /** How the template with this text shows tools ({@code null}: a template that shows none). */
    public static ToolRendering of(String templateSource) {
        String source = templateSource == null ? "" : templateSource;
        return new ToolRendering(source.contains("tools"), source.contains("tool_calls"));
    }

    /** The {@code tools} template variable. */
    public static List<Map<String, Object>> variable(List<Tool> tools) {
        List<Map<String, Object>> list = new ArrayList<>(tools.size());
        for (Tool tool : tools) {
            list.add(asMap(WireJson.toString(tool)));
        }
        return list;
    }

    /** The message as the template sees it, given its content as shown ({@code base}: role and content). */
    public Map<String, Object> message(ChatMessage message, Map<String, Object> base) {
        Map<String, Object> dict = new LinkedHashMap<>(base);
        if (message.toolCallId() != null && !rendersTools) {
            // a template without tools may refuse the role too (Gemma's alternates user and model strictly)
            dict.put("role", "user");
            dict.put("content", "Result of tool call " + message.toolCallId() + ": " + dict.get("content"));
            return dict;
        }
        if (message.toolCallId() != null) {
            dict.put("tool_call_id", message.toolCallId());
        }
        if (message.toolCalls() == null) {
            return dict;
        }
        if (rendersToolCalls) {
            List<Map<String, Object>> calls = new ArrayList<>();
            for (ToolCall call : message.toolCalls()) {
                Map<String, Object> function = new LinkedHashMap<>();
                function.put("name", call.name());
                function.put("arguments", arguments(call.arguments()));
                calls.add(Map.of("id", call.id(), "type", Tool.FUNCTION, "function", function));
            }
            dict.put("tool_calls", calls);
            return dict;
        }
        Object content = dict.get("content");
        StringBuilder text = new StringBuilder(content == null ? "" : content.toString());
        for (ToolCall call : message.toolCalls()) {
            text.append(text.isEmpty() ? "" : "\n").append(GenericCall.text(call));
        }
        dict.put("content", text.toString());
        return dict;
    }

    /**
     * The messages with the tools described in the system message, when the template does not show {@code tools}
     * itself; unchanged otherwise or without tools.
     */
    public List<Map<String, Object>> withTools(List<Map<String, Object>> messages, Object tools) {
        if (rendersTools || !(tools instanceof List<?> list) || list.isEmpty()) {
            return messages;
        }
        String description = GenericCall.instructions(list);
        List<Map<String, Object>> all = new ArrayList<>(messages);
        if (!all.isEmpty() && "system".equals(all.get(0).get("role"))) {
            Map<String, Object> system = new LinkedHashMap<>(all.get(0));
            system.put("content", system.get("content") + "\n\n" + description);
            all.set(0, system);
        } else {
            Map<String, Object> system = new LinkedHashMap<>();
            system.put("role", "system");
            system.put("content", description);
            all.add(0, system);
        }
        return all;
    }

    /** Arguments as an object for {@code tojson}; text that is not a JSON object stays text. */
    private static Object arguments(String json) {
        Map<String, Object> map = asMap(json);
        return map != null ? map : json;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asMap(String json) {
        try {
            return WireJson.mapper().readValue(json, LinkedHashMap.class);
        } catch (JacksonException e) {
            return null;
        }
    }
}
