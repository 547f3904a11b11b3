package dev.parley.gateway.responses;

import dev.parley.gateway.openai.OpenAiException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * A Responses {@code input}: a string (one user message) or a list of items: messages whose content is a string or
 * text parts, {@code function_call} items the model made and {@code function_call_output} items with their results
 * (the chain of a tool-calling turn), and {@code item_reference} items naming an output item of a stored response.
 * Item types Parley cannot carry (reasoning, hosted tools' calls, images, files) are refused with a 400 naming the
 * item.
 */
final class InputItems {

    private static final Set<String> ROLES = Set.of("user", "assistant", "system", "developer");
    private static final Set<String> TEXT_PARTS = Set.of("input_text", "output_text", "text");
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9_-]{1,64}");
    private static final Pattern CALL_ID = Pattern.compile("\\S{1,128}");
    private static final int MAX_ARGUMENTS = 100_000;

    private InputItems() {
    }

    /** The items, with none referring to a stored item (an {@code item_reference} is refused). */
    static List<InputItem> parse(JsonNode input) {
        return parse(input, id -> null);
    }

    /**
     * @param references the stored output item an {@code item_reference} names, or {@code null} when there is none
     */
    static List<InputItem> parse(JsonNode input, Function<String, InputItem> references) {
        if (input == null || input.isNull()) {
            throw OpenAiException.invalidParam("input", "'input' is required: a string or a list of items");
        }
        if (input.isString()) {
            return List.of(new InputMessage("user", input.stringValue()));
        }
        if (!input.isArray() || input.isEmpty()) {
            throw OpenAiException.invalidParam("input", "'input' must be a string or a non-empty list of items");
        }
        List<InputItem> items = new ArrayList<>();
        int index = 0;
        for (JsonNode item : input) {
            items.add(item(item, "input[" + index + "]", references));
            index++;
        }
        return items;
    }

    private static InputItem item(JsonNode item, String where, Function<String, InputItem> references) {
        if (!item.isObject()) {
            throw OpenAiException.invalidParam(where, where + " must be an object");
        }
        String type = item.path("type").asString("message");
        return switch (type) {
            case "message" -> message(item, where);
            case "function_call" -> new FunctionCallItem(optionalText(item.get("id"), where + ".id"),
                    callId(item.get("call_id"), where + ".call_id"), name(item.get("name"), where + ".name"),
                    arguments(item.get("arguments"), where + ".arguments"));
            case "function_call_output" -> new FunctionCallOutputItem(callId(item.get("call_id"), where + ".call_id"),
                    text(item.get("output"), where + ".output"));
            case "item_reference" -> reference(item, where, references);
            default -> throw OpenAiException.unsupportedParam(where + ".type", "input items of type '" + type
                    + "' are not supported by Parley (only message, function_call, function_call_output and "
                    + "item_reference)");
        };
    }

    private static InputMessage message(JsonNode item, String where) {
        String role = item.path("role").asString("");
        if (!ROLES.contains(role)) {
            throw OpenAiException.invalidParam(where + ".role", "Invalid value for " + where + ".role: '" + role + "'");
        }
        return new InputMessage(role, text(item.get("content"), where + ".content"));
    }

    /** The stored output item (a message or a function call) the reference names. */
    private static InputItem reference(JsonNode item, String where, Function<String, InputItem> references) {
        String id = optionalText(item.get("id"), where + ".id");
        InputItem found = id == null ? null : references.apply(id);
        if (found == null) {
            throw OpenAiException.invalidParam(where + ".id", "No stored output item found with id '" + id
                    + "' (an item_reference names a message or function_call of a stored response)");
        }
        return found;
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

    private static String callId(JsonNode node, String where) {
        if (node == null || !node.isString() || !CALL_ID.matcher(node.stringValue()).matches()) {
            throw OpenAiException.invalidParam(where, where + " must be 1-128 characters without spaces");
        }
        return node.stringValue();
    }

    private static String name(JsonNode node, String where) {
        if (node == null || !node.isString() || !NAME.matcher(node.stringValue()).matches()) {
            throw OpenAiException.invalidParam(where, where + " must be 1-64 of a-z, A-Z, 0-9, _ and -, got "
                    + (node == null ? "nothing" : node.toString()));
        }
        return node.stringValue();
    }

    private static String arguments(JsonNode node, String where) {
        if (node == null || !node.isString() || node.stringValue().length() > MAX_ARGUMENTS) {
            throw OpenAiException.invalidParam(where, where + " must be a JSON object as a string of at most "
                    + MAX_ARGUMENTS + " characters");
        }
        return node.stringValue();
    }

    private static String optionalText(JsonNode node, String where) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isString()) {
            throw OpenAiException.invalidParam(where, where + " must be a string");
        }
        return node.stringValue();
    }
}
