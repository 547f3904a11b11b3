package dev.parley.gateway.responses;

import dev.parley.gateway.openai.ChatRequest;
import dev.parley.gateway.openai.ChatRequestParser;
import dev.parley.gateway.openai.Json;
import dev.parley.gateway.openai.OpenAiException;
import dev.parley.schemas.ChatMessage;
import dev.parley.schemas.ToolCall;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Reads a Responses request by rewriting it as the chat completion it amounts to and handing that to the chat route's
 * {@link ChatRequestParser}: one set of checks for both routes (ranges, formats, metadata), with the errors' parameter
 * names translated back ({@code max_output_tokens}, {@code text.format}, {@code input}). As in chat, parameters
 * Parley cannot honour are refused with a 400 naming them, and unknown ones are refused the way OpenAI does.
 */
public final class ResponseRequestParser {

    private static final Set<String> SUPPORTED = Set.of("model", "input", "instructions", "max_output_tokens",
            "temperature", "top_p", "text", "truncation", "metadata", "prompt_cache_key", "reasoning", "store",
            "stream", "stream_options", "previous_response_id", "user", "tools", "tool_choice", "parallel_tool_calls",
            "include", "service_tier", "safety_identifier", "top_logprobs", "background");

    /** Responses parameters Parley does not implement: any value but a neutral one is a 400. */
    private static final Set<String> UNSUPPORTED = Set.of("conversation", "prompt", "max_tool_calls");

    /**
     * Chat parameter names (or their prefixes) in the shared parser's errors, and what this API calls them; the
     * longer prefix first.
     */
    private static final List<Map.Entry<String, String>> PARAM_NAMES = List.of(
            Map.entry("max_completion_tokens", "max_output_tokens"),
            Map.entry("response_format.json_schema", "text.format"), Map.entry("response_format", "text.format"),
            Map.entry("messages", "input"));

    private final ChatRequestParser chat = new ChatRequestParser();

    public ResponseRequest parse(JsonNode body) {
        return parse(body, id -> null);
    }

    /**
     * @param references the stored output item an {@code item_reference} in the input names ({@code null}: none)
     */
    public ResponseRequest parse(JsonNode body, Function<String, InputItem> references) {
        for (String name : body.propertyNames()) {
            if (UNSUPPORTED.contains(name) && !body.get(name).isNull()) {
                throw OpenAiException.unsupportedParam(name, "'" + name + "' is not supported by Parley yet");
            }
            if (!SUPPORTED.contains(name) && !UNSUPPORTED.contains(name)) {
                throw OpenAiException.invalidParam(name, "Unrecognized request argument supplied: " + name);
            }
        }
        requireNeutral(body, "include", node -> node.isArray() && node.isEmpty(), "include is not supported by Parley yet");
        requireNeutral(body, "top_logprobs", node -> node.isIntegralNumber() && node.intValue() == 0,
                "top_logprobs are not supported by Parley yet");
        requireNeutral(body, "background", JsonNode::isBoolean, "background must be a boolean");
        requireNeutral(body, "reasoning", JsonNode::isObject, "reasoning must be an object");
        requireNeutral(body, "truncation", node -> node.isString() && Set.of("auto", "disabled").contains(node.stringValue()),
                "truncation must be auto or disabled");
        requireNeutral(body, "parallel_tool_calls", JsonNode::isBoolean, "parallel_tool_calls must be a boolean");
        requireNeutral(body, "service_tier", node -> node.isString() && Set.of("auto", "default").contains(node.stringValue()),
                "service_tier other than auto or default is not supported by Parley");

        String instructions = Json.optionalString(body, "instructions");
        String previous = Json.optionalString(body, "previous_response_id");
        String cacheKey = Json.optionalString(body, "prompt_cache_key");
        Json.optionalString(body, "safety_identifier");
        JsonNode store = body.get("store");
        if (store != null && !store.isNull() && !store.isBoolean()) {
            throw OpenAiException.invalidParam("store", "'store' must be a boolean, got " + store);
        }
        List<InputItem> input = InputItems.parse(body.get("input"), references);
        ChatRequest request = asChat(body, instructions, input);
        ResponseRequest parsed = new ResponseRequest(request, input, instructions, previous,
                store == null || store.isNull() || store.booleanValue(), cacheKey, body);
        if (parsed.background() && !parsed.store()) {
            throw OpenAiException.unsupportedParam("background", "background responses must be stored (store: true)");
        }
        return parsed;
    }

    /** The chat completion this request amounts to, read by the chat parser. */
    private ChatRequest asChat(JsonNode body, String instructions, List<InputItem> input) {
        ObjectNode chatBody = Json.mapper().createObjectNode();
        copy(body, "model", chatBody, "model");
        ArrayNode messages = chatBody.putArray("messages");
        if (instructions != null) {
            messages.addObject().put("role", "system").put("content", instructions);
        }
        for (ChatMessage message : ItemMessages.toChat(input)) {
            addMessage(messages, message);
        }
        copy(body, "max_output_tokens", chatBody, "max_completion_tokens");
        copy(body, "temperature", chatBody, "temperature");
        copy(body, "top_p", chatBody, "top_p");
        copy(body, "metadata", chatBody, "metadata");
        copy(body, "stream", chatBody, "stream");
        copy(body, "user", chatBody, "user");
        ResponseTools.copyTo(body, chatBody);
        JsonNode format = textFormat(body.get("text"));
        if (format != null) {
            chatBody.set("response_format", format);
        }
        try {
            return chat.parse(chatBody);
        } catch (OpenAiException e) {
            throw renamed(e);
        }
    }

    /**
     * {@code text.format} as chat's {@code response_format}: the Responses API flattens the schema's fields into the
     * format ({@code {type, name, schema, strict}}) where chat nests them under {@code json_schema}.
     */
    private static JsonNode textFormat(JsonNode text) {
        if (text == null || text.isNull()) {
            return null;
        }
        if (!text.isObject()) {
            throw OpenAiException.invalidParam("text", "'text' must be an object");
        }
        for (String field : text.propertyNames()) {
            if (!field.equals("format") && !field.equals("verbosity")) {
                throw OpenAiException.invalidParam("text." + field, "Unrecognized argument in text: " + field);
            }
        }
        JsonNode verbosity = text.get("verbosity");
        if (verbosity != null && !verbosity.isNull() && !"medium".equals(verbosity.asString(""))) {
            throw OpenAiException.unsupportedParam("text.verbosity", "only text.verbosity medium is supported");
        }
        JsonNode format = text.get("format");
        if (format == null || format.isNull()) {
            return null;
        }
        if (!format.isObject()) {
            throw OpenAiException.invalidParam("text.format", "text.format must be an object");
        }
        ObjectNode responseFormat = Json.mapper().createObjectNode();
        String type = format.path("type").asString("");
        responseFormat.put("type", type);
        if (type.equals("json_schema")) {
            ObjectNode schema = responseFormat.putObject("json_schema");
            for (Map.Entry<String, JsonNode> field : format.properties()) {
                if (!field.getKey().equals("type")) {
                    schema.set(field.getKey(), field.getValue());
                }
            }
        } else if (format.size() > 1) {
            throw OpenAiException.invalidParam("text.format", "text.format of type '" + type + "' takes only 'type'");
        }
        return responseFormat;
    }

    /** A chat message as chat completions' JSON: what the chat parser reads. */
    private static void addMessage(ArrayNode messages, ChatMessage message) {
        ObjectNode json = messages.addObject().put("role", message.role().wireName()).put("content", message.content());
        if (message.toolCalls() != null) {
            ArrayNode calls = json.putArray("tool_calls");
            for (ToolCall call : message.toolCalls()) {
                ObjectNode function = calls.addObject().put("id", call.id()).put("type", call.type())
                        .putObject("function");
                function.put("name", call.name()).put("arguments", call.arguments());
            }
        }
        if (message.toolCallId() != null) {
            json.put("tool_call_id", message.toolCallId());
        }
    }

    private static OpenAiException renamed(OpenAiException e) {
        if (e.param() == null) {
            return e;
        }
        String tools = ResponseTools.paramName(e.param());
        if (!tools.equals(e.param())) {
            return new OpenAiException(e.status(), e.type(), tools, e.code(),
                    e.getMessage().replace(e.param(), tools));
        }
        for (Map.Entry<String, String> name : PARAM_NAMES) {
            if (e.param().equals(name.getKey()) || e.param().startsWith(name.getKey() + ".")
                    || e.param().startsWith(name.getKey() + "[")) {
                String param = name.getValue() + e.param().substring(name.getKey().length());
                return new OpenAiException(e.status(), e.type(), param, e.code(),
                        e.getMessage().replace(name.getKey(), name.getValue()));
            }
        }
        return e;
    }

    private static void copy(JsonNode from, String name, ObjectNode to, String as) {
        JsonNode value = from.get(name);
        if (value != null && !value.isNull()) {
            to.set(as, value);
        }
    }

    private static void requireNeutral(JsonNode body, String name, Predicate<JsonNode> neutral, String message) {
        JsonNode node = body.get(name);
        if (node != null && !node.isNull() && !neutral.test(node)) {
            throw OpenAiException.unsupportedParam(name, message + ", got " + name + "=" + node);
        }
    }
}
