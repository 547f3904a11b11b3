package dev.parley.gateway.openai;

import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The gateway's JSON: plain names as written (OpenAI's field names are already snake_case) and nulls kept, since
 * OpenAI's objects carry explicit nulls ({@code "param": null}, {@code "logprobs": null}).
 */
public final class Json {

    private static final JsonMapper MAPPER = JsonMapper.builder().build();

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
        JsonNode node;
        try {
            node = MAPPER.readTree(body);
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

    /** OpenAI's error body. */
    public static Map<String, Object> error(OpenAiException e) {
        return object("error", object("message", e.getMessage(), "type", e.type(), "param", e.param(),
                "code", e.code()));
    }
}
