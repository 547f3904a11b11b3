package dev.parley.client.batch;

import dev.parley.schemas.ChatMessage;
import dev.parley.schemas.GenerationParams;
import dev.parley.schemas.Role;
import dev.parley.schemas.codec.WireJson;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * One line of a batch input file, in the shape of the OpenAI Batch API's lines:
 * <pre>{@code
 * {"custom_id": "q-17", "body": {"messages": [{"role": "user", "content": "..."}], "max_tokens": 64}}
 * {"custom_id": "q-18", "conversation_id": "user-42", "messages": [{"role": "user", "content": "..."}]}
 * }</pre>
 * {@code messages} may sit at the top level or in {@code body}; a leading system message becomes the conversation's
 * system prompt; {@code max_tokens}, {@code temperature}, {@code top_p}, {@code top_k}, {@code seed} and
 * {@code stop} are read from the same place ({@code max_completion_tokens} as {@code max_tokens}). {@code model}
 * (in {@code body} or at the top level) picks the model that answers, by the name its workers announce; without it
 * the model serving the client's prompts topic answers, and the output line's {@code body.model} says which
 * ({@link BatchJob.Builder#routeByModel(boolean)} may ignore the lines' models).
 * {@code method}, {@code url}, {@code body.user} and {@code body.metadata} are accepted. Any other {@code body} field
 * (an OpenAI parameter Parley does not support, such as {@code n} or {@code tools}, or a typo) makes the line an error
 * naming the field, rather than being ignored.
 *
 * @param conversationId the line's conversation id, or {@code null} for a new conversation per line
 * @param model          the model asked to answer, or {@code null}
 */
public record BatchLine(String customId, String conversationId, String system, List<ChatMessage> messages,
                        GenerationParams params, Map<String, String> metadata, String model) {

    /** A line that could not be read, and why. */
    public static final class InvalidLineException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;
        private final String customId;

        InvalidLineException(String customId, String message) {
            super(message);
            this.customId = customId;
        }

        /** The custom id, when the line had a readable one. */
        public String customId() {
            return customId;
        }
    }

    /** The {@code body} fields of an OpenAI batch line that Parley reads or accepts. */
    private static final java.util.Set<String> BODY_FIELDS = java.util.Set.of("messages", "model", "max_tokens",
            "max_completion_tokens", "temperature", "top_p", "top_k", "seed", "stop", "user", "metadata", "logprobs",
            "top_logprobs");

    /**
     * Reads one line; an unreadable or unsupported one throws {@link InvalidLineException} saying why, whatever it
     * holds (any other failure while reading it is reported as one too, so one line can only fail itself).
     */
    public static BatchLine parse(String text) {
        try {
            return read(text);
        } catch (InvalidLineException e) {
            throw e;
        } catch (RuntimeException | StackOverflowError e) {
            throw new InvalidLineException(null, "unreadable line: " + e);
        }
    }

    private static BatchLine read(String text) {
        JsonNode json = readObject(text);
        String customId = customId(json);
        JsonNode body = body(json, customId);
        List<ChatMessage> messages = messages(body, customId);
        // A leading system message is the conversation's system prompt, not a turn.
        String system = null;
        if (messages.get(0).role() == Role.SYSTEM) {
            system = messages.get(0).content();
            messages = new ArrayList<>(messages.subList(1, messages.size()));
        }
        JsonNode conversation = json.get("conversation_id");
        Map<String, String> metadata = Map.of("custom_id",
                customId.length() > 4096 ? customId.substring(0, 4096) : customId);
        return new BatchLine(customId, conversation != null && conversation.isString() ? conversation.asString() : null,
                system, messages, params(body, customId), metadata, model(body, customId));
    }

    private static JsonNode readObject(String text) {
        JsonNode json;
        try {
            json = WireJson.mapper().readTree(text);
        } catch (JacksonException e) {
            throw new InvalidLineException(null, "not JSON: " + e.getOriginalMessage());
        }
        if (json == null || !json.isObject()) {
            throw new InvalidLineException(null, "a line must be a JSON object");
        }
        return json;
    }

    private static String customId(JsonNode json) {
        JsonNode id = json.get("custom_id");
        if (id == null || !id.isString() || id.asString().isBlank()) {
            throw new InvalidLineException(null, "custom_id is missing or not a non-empty string");
        }
        return id.asString();
    }

    /** The OpenAI shape's {@code body}, or the line itself when the request fields sit at the top level. */
    private static JsonNode body(JsonNode json, String customId) {
        if (!json.has("body")) {
            return json;
        }
        JsonNode body = json.get("body");
        if (!body.isObject()) {
            throw new InvalidLineException(customId, "body must be a JSON object");
        }
        for (String field : body.propertyNames()) {
            if (!BODY_FIELDS.contains(field)) {
                throw new InvalidLineException(customId, "body." + field + " is not supported");
            }
        }
        return body;
    }

    private static List<ChatMessage> messages(JsonNode body, String customId) {
        JsonNode messagesNode = body.get("messages");
        if (messagesNode == null || !messagesNode.isArray() || messagesNode.isEmpty()) {
            throw new InvalidLineException(customId, "messages is missing or empty");
        }
        List<ChatMessage> messages = new ArrayList<>();
        for (JsonNode m : messagesNode) {
            Role role;
            try {
                role = Role.fromWire(m.path("role").asString(""));
            } catch (IllegalArgumentException e) {
                throw new InvalidLineException(customId, "messages: " + e.getMessage());
            }
            String content = m.path("content").asString(null);
            if (content == null) {
                throw new InvalidLineException(customId, "messages: content must be a string");
            }
            try {
                messages.add(new ChatMessage(role, content));
            } catch (IllegalArgumentException e) {
                // e.g. a tool message, which needs a tool_call_id this format does not carry
                throw new InvalidLineException(customId, "messages: " + e.getMessage());
            }
        }
        return messages;
    }

    private static GenerationParams params(JsonNode body, String customId) {
        try {
            return withLogprobs(body, new GenerationParams(
                    body.has("max_tokens") ? Integer.valueOf(body.get("max_tokens").asInt())
                            : body.has("max_completion_tokens") ? Integer.valueOf(body.get("max_completion_tokens").asInt())
                            : null,
                    body.has("temperature") ? body.get("temperature").asDouble() : null,
                    body.has("top_p") ? body.get("top_p").asDouble() : null,
                    body.has("top_k") ? body.get("top_k").asInt() : null,
                    body.has("seed") ? body.get("seed").asLong() : null,
                    stop(body.get("stop"))));
        } catch (IllegalArgumentException e) {
            throw new InvalidLineException(customId, e.getMessage());
        }
    }

    /** {@code params} asking for log probabilities when the line does ({@code logprobs}, {@code top_logprobs}). */
    private static GenerationParams withLogprobs(JsonNode body, GenerationParams params) {
        JsonNode logprobs = body.get("logprobs");
        JsonNode top = body.get("top_logprobs");
        if ((logprobs != null && !logprobs.isNull() && !logprobs.isBoolean())
                || (top != null && !top.isNull() && !top.isIntegralNumber())) {
            throw new IllegalArgumentException("logprobs must be a boolean and top_logprobs an integer");
        }
        int count = top == null || top.isNull() ? 0 : top.asInt();
        if (logprobs != null && logprobs.asBoolean(false)) {
            return params.withLogprobs(count);
        }
        if (count != 0) {
            throw new IllegalArgumentException("top_logprobs needs logprobs: true");
        }
        return params;
    }

    private static String model(JsonNode body, String customId) {
        JsonNode modelNode = body.get("model");
        if (modelNode != null && !modelNode.isNull() && !modelNode.isString()) {
            throw new InvalidLineException(customId, "model must be a string");
        }
        return modelNode == null || modelNode.isNull() ? null : modelNode.asString();
    }

    private static List<String> stop(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isString()) {
            return List.of(node.asString());
        }
        List<String> values = new ArrayList<>();
        node.forEach(v -> values.add(v.asString()));
        return values;
    }
}
