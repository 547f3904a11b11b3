package dev.parley.gateway.responses;

import dev.parley.gateway.openai.OpenAiException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * A Responses {@code input}: a string (one user message) or a list of message items whose content is a string or
 * text parts. Item types Parley cannot carry yet (function calls and their outputs, reasoning, images, files) are
 * refused with a 400 naming the item.
 */
final class InputItems {

    private static final Set<String> ROLES = Set.of("user", "assistant", "system", "developer");
    private static final Set<String> TEXT_PARTS = Set.of("input_text", "output_text", "text");

    private InputItems() {
    }

    static List<InputMessage> parse(JsonNode input) {
        if (input == null || input.isNull()) {
            throw OpenAiException.invalidParam("input", "'input' is required: a string or a list of items");
        }
        if (input.isString()) {
            return List.of(new InputMessage("user", input.stringValue()));
        }
        if (!input.isArray() || input.isEmpty()) {
            throw OpenAiException.invalidParam("input", "'input' must be a string or a non-empty list of items");
        }
        List<InputMessage> messages = new ArrayList<>();
        int index = 0;
        for (JsonNode item : input) {
            messages.add(message(item, "input[" + index + "]"));
            index++;
        }
        return messages;
    }

    private static InputMessage message(JsonNode item, String where) {
        if (!item.isObject()) {
            throw OpenAiException.invalidParam(where, where + " must be an object");
        }
        String type = item.path("type").asString("message");
        if (!type.equals("message")) {
            throw OpenAiException.unsupportedParam(where + ".type", "input items of type '" + type
                    + "' are not supported by Parley yet (only message)");
        }
        String role = item.path("role").asString("");
        if (!ROLES.contains(role)) {
            throw OpenAiException.invalidParam(where + ".role", "Invalid value for " + where + ".role: '" + role + "'");
        }
        return new InputMessage(role, text(item.get("content"), where + ".content"));
    }

    private static String text(JsonNode content, String where) {
        if (content == null || content.isNull()) {
            throw OpenAiException.invalidParam(where, where + " is required");
        }
        if (content.isString()) {
            return content.stringValue();
        }
        if (!content.isArray()) {
            throw OpenAiException.invalidParam(where, where + " must be a string or a list of parts");
        }
        StringBuilder text = new StringBuilder();
        for (JsonNode part : content) {
            String type = part.path("type").asString("");
            if (!TEXT_PARTS.contains(type)) {
                throw OpenAiException.unsupportedParam(where, "content parts of type '" + type
                        + "' are not supported by Parley yet (only text)");
            }
            JsonNode partText = part.get("text");
            if (partText == null || !partText.isString()) {
                throw OpenAiException.invalidParam(where, "a " + type + " part needs a string 'text'");
            }
            text.append(partText.stringValue());
        }
        return text.toString();
    }
}
