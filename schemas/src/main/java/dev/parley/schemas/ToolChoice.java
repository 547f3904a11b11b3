package dev.parley.schemas;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Map;
import java.util.Objects;
import tools.jackson.databind.JsonNode;

/**
 * Whether and which tool the model must call ({@code tool_choice}, OpenAI's shape): {@code "auto"} (the default when
 * tools are given: the model decides), {@code "none"} (answer in text), {@code "required"} (call at least one tool),
 * or {@code {"type": "function", "function": {"name": ...}}} (call that one).
 *
 * @param mode     which kind of choice
 * @param function the function's name, given exactly when {@code mode} is {@link Mode#FUNCTION}
 */
public record ToolChoice(Mode mode, String function) {

    public static final ToolChoice AUTO = new ToolChoice(Mode.AUTO, null);
    public static final ToolChoice NONE = new ToolChoice(Mode.NONE, null);
    public static final ToolChoice REQUIRED = new ToolChoice(Mode.REQUIRED, null);

    public ToolChoice {
        Objects.requireNonNull(mode, "tool_choice");
        if ((mode == Mode.FUNCTION) != (function != null)) {
            throw new IllegalArgumentException("a function name goes with exactly the tool_choice of type function");
        }
    }

    /** The call of the function {@code name}. */
    public static ToolChoice function(String name) {
        return new ToolChoice(Mode.FUNCTION, Objects.requireNonNull(name, "name"));
    }

    /** Whether the model must call a tool (required or a named function). */
    public boolean forcesCall() {
        return mode == Mode.REQUIRED || mode == Mode.FUNCTION;
    }

    /** The wire form: a string, or the object naming a function. */
    @JsonValue
    public Object wire() {
        return mode == Mode.FUNCTION ? Map.of("type", Tool.FUNCTION, "function", Map.of("name", function))
                : mode.wireName();
    }

    /** Parses the wire form; the error names the bad value. */
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static ToolChoice fromWire(JsonNode node) {
        if (node.isString()) {
            return switch (node.stringValue()) {
                case "auto" -> AUTO;
                case "none" -> NONE;
                case "required" -> REQUIRED;
                default -> throw new IllegalArgumentException("unknown tool_choice '" + node.stringValue()
                        + "' (expected auto, none, required or a function)");
            };
        }
        JsonNode name = node.path("function").path("name");
        if (!node.isObject() || !Tool.FUNCTION.equals(node.path("type").asString("")) || !name.isString()) {
            throw new IllegalArgumentException("tool_choice must be auto, none, required or "
                    + "{\"type\": \"function\", \"function\": {\"name\": ...}}");
        }
        return function(name.stringValue());
    }

    /** The kinds of choice. */
    public enum Mode {
        AUTO, NONE, REQUIRED, FUNCTION;

        String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
