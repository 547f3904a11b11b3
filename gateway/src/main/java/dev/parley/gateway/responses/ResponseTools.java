package dev.parley.gateway.responses;

import dev.parley.gateway.openai.Json;
import dev.parley.gateway.openai.OpenAiException;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The Responses API's tool parameters as chat completions' ({@code tools}, {@code tool_choice},
 * {@code parallel_tool_calls}), so one parser ({@code ToolsParam}) checks both routes and one path (the worker's tool
 * turn) serves them. The Responses shape is flat ({@code {"type": "function", "name", "description", "parameters",
 * "strict"}}, a named choice {@code {"type": "function", "name"}}) where chat nests the function; tools that OpenAI
 * runs itself (web search, file search, code interpreter, ...) are a 400 {@code unsupported_feature}.
 */
final class ResponseTools {

    /** Chat's name for a Responses tool's field in the shared parser's errors: {@code tools[0].function.name}. */
    private static final Pattern CHAT_TOOL_PARAM = Pattern.compile("tools\\[(\\d+)]\\.function");

    private ResponseTools() {
    }

    /** Copies the request's tool parameters onto the chat body, rewritten in chat's shape. */
    static void copyTo(JsonNode body, ObjectNode chatBody) {
        JsonNode tools = body.get("tools");
        if (tools != null && !tools.isNull()) {
            if (!tools.isArray()) {
                throw OpenAiException.invalidParam("tools", "tools must be an array of function tools");
            }
            ArrayNode chatTools = chatBody.putArray("tools");
            for (int i = 0; i < tools.size(); i++) {
                chatTools.add(tool(tools.get(i), "tools[" + i + "]"));
            }
        }
        JsonNode choice = body.get("tool_choice");
        if (choice != null && !choice.isNull()) {
            chatBody.set("tool_choice", choice(choice));
        }
        JsonNode parallel = body.get("parallel_tool_calls");
        if (parallel != null && !parallel.isNull()) {
            chatBody.set("parallel_tool_calls", parallel);
        }
    }

    /** A parameter name of the chat parser's error in this API's terms ({@code tools[0].function.name}: {@code tools[0].name}). */
    static String paramName(String chatParam) {
        Matcher matcher = CHAT_TOOL_PARAM.matcher(chatParam);
        return matcher.lookingAt() ? "tools[" + matcher.group(1) + "]" + chatParam.substring(matcher.end()) : chatParam;
    }

    private static JsonNode tool(JsonNode tool, String where) {
        if (!tool.isObject()) {
            throw OpenAiException.invalidParam(where, where + " must be an object");
        }
        String type = tool.path("type").asString("");
        if (!type.equals("function")) {
            throw unsupported(where + ".type", "tools of type '" + type + "' are not supported by Parley: it serves "
                    + "function tools, which your code runs (OpenAI's hosted tools such as web_search and file_search "
                    + "run on OpenAI's side)");
        }
        ObjectNode function = Json.mapper().createObjectNode();
        for (Map.Entry<String, JsonNode> field : tool.properties()) {
            if (!field.getKey().equals("type")) {
                function.set(field.getKey(), field.getValue());
            }
        }
        ObjectNode chatTool = Json.mapper().createObjectNode().put("type", "function");
        chatTool.set("function", function);
        return chatTool;
    }

    /** {@code "auto"}, {@code "none"}, {@code "required"}, or {@code {"type": "function", "name": ...}}. */
    private static JsonNode choice(JsonNode choice) {
        if (choice.isString()) {
            return choice;
        }
        String type = choice.path("type").asString("");
        if (!choice.isObject() || type.isEmpty()) {
            throw OpenAiException.invalidParam("tool_choice", "tool_choice must be auto, none, required or "
                    + "{\"type\": \"function\", \"name\": ...}, got " + choice);
        }
        if (!type.equals("function")) {
            throw unsupported("tool_choice.type", "tool_choice of type '" + type + "' is not supported by Parley "
                    + "(only auto, none, required and a function by name)");
        }
        JsonNode name = choice.get("name");
        if (name == null || !name.isString()) {
            throw OpenAiException.invalidParam("tool_choice.name", "a tool_choice of type function needs a 'name'");
        }
        ObjectNode chatChoice = Json.mapper().createObjectNode().put("type", "function");
        chatChoice.putObject("function").put("name", name.stringValue());
        return chatChoice;
    }

    private static OpenAiException unsupported(String param, String message) {
        return new OpenAiException(400, "invalid_request_error", param, "unsupported_feature", message);
    }
}
