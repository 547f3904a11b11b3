package dev.parley.gateway.openai;

import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The gateway's JSON: plain names as written (OpenAI's field names are already snake_case) and nulls kept, since
 * OpenAI's objects carry explicit nulls ({@code "param": null}, {@code "logprobs": null}).
 */
public final class Json {

    /** The deepest nesting the shared mapper reads (request routes use their own, configured limit). */
    public static final int MAX_DEPTH = 128;

    private static final JsonMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build()).build()).build();

    private Json() {
    }

    public static JsonMapper mapper() {
        return MAPPER;
    }

    public static String write(Object value) {
        return MAPPER.writeValueAsString(value);
    }

    /** Parses a request body; anything but a JSON object is a 400. */
    public static JsonNode readObject(byte[] body) {
        return readObject(body, MAPPER);
    }

    /** Parses a request body with {@code mapper} (and its read limits); anything but a JSON object is a 400. */
    public static JsonNode readObject(byte[] body, JsonMapper mapper) {
        JsonNode node;
        try {
            node = mapper.readTree(body);
        } catch (RuntimeException e) {
            throw OpenAiException.badRequest("the request body is not valid JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (node == null || !node.isObject()) {
            throw OpenAiException.badRequest("the request body must be a JSON object");
        }
        return node;
    }

    /** An ordered map from alternating keys and values, nulls allowed. */
    public static Map<String, Object> object(Object... keysAndValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }

    /** The string parameter {@code name} of a request body, {@code null} when absent; a 400 naming it otherwise. */
    public static String optionalString(JsonNode body, String name) {
        JsonNode node = body.get(name);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isString()) {
            throw OpenAiException.invalidParam(name, "'" + name + "' must be a string");
        }
        return node.stringValue();
    }

    /** OpenAI's error body. */
    public static Map<String, Object> error(OpenAiException e) {
        return object("error", object("message", e.getMessage(), "type", e.type(), "param", e.param(),
                "code", e.code()));
    }
}
