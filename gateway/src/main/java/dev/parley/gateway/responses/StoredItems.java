package dev.parley.gateway.responses;

import dev.parley.gateway.openai.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * A stored response's input items in Redis: a message as {@code {role, text}} (as before function tools, so
 * responses stored then still read), a function call or its output with its {@code type} and fields.
 */
final class StoredItems {

    private StoredItems() {
    }

    static List<Map<String, Object>> toJson(List<InputItem> items) {
        List<Map<String, Object>> json = new ArrayList<>();
        for (InputItem item : items) {
            if (item instanceof InputMessage message) {
                json.add(Json.object("role", message.role(), "text", message.text()));
            } else if (item instanceof FunctionCallItem call) {
                json.add(Json.object("type", "function_call", "id", call.id(), "call_id", call.callId(),
                        "name", call.name(), "arguments", call.arguments()));
            } else if (item instanceof FunctionCallOutputItem output) {
                json.add(Json.object("type", "function_call_output", "call_id", output.callId(),
                        "output", output.output()));
            }
        }
        return json;
    }

    static List<InputItem> fromJson(JsonNode json) {
        List<InputItem> items = new ArrayList<>();
        for (JsonNode item : json) {
            items.add(switch (item.path("type").asString("message")) {
                case "function_call" -> new FunctionCallItem(textOrNull(item.get("id")), item.path("call_id").asString(),
                        item.path("name").asString(), item.path("arguments").asString(""));
                case "function_call_output" -> new FunctionCallOutputItem(item.path("call_id").asString(),
                        item.path("output").asString(""));
                default -> new InputMessage(item.path("role").asString(), item.path("text").asString(""));
            });
        }
        return items;
    }

    private static String textOrNull(JsonNode node) {
        return node == null || node.isNull() ? null : node.asString();
    }
}
