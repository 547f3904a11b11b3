package dev.parley.worker.engine.tools;

import dev.parley.schemas.ToolCall;
import dev.parley.schemas.codec.WireJson;
import java.util.List;
import java.util.Map;

/** The generic call form, {@code {"name": ..., "arguments": {...}}}, and how a model without tool syntax is told of it. */
final class GenericCall {

    private GenericCall() {
    }

    /** A call written in the generic form. */
    static String text(ToolCall call) {
        return "{\"name\": " + WireJson.toString(call.name()) + ", \"arguments\": " + call.arguments() + "}";
    }

    /** The system text offering {@code tools} (the {@code tools} template variable) to a model whose template shows none. */
    static String instructions(List<?> tools) {
        StringBuilder text = new StringBuilder("You can call these tools:\n");
        for (Object tool : tools) {
            Object function = tool instanceof Map<?, ?> map && map.containsKey("function") ? map.get("function") : tool;
            text.append(WireJson.toString(function)).append('\n');
        }
        return text.append("To call a tool, answer with only the JSON object {\"name\": <the tool's name>, "
                + "\"arguments\": <its arguments>}.").toString();
    }
}
