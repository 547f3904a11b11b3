package dev.parley.schemas;

import java.util.Objects;
import tools.jackson.databind.JsonNode;

/**
 * A tool the model may call ({@code tools[]} of a prompt, OpenAI's shape): a function with a name, a description the
 * model reads, and a JSON Schema for its arguments. The worker holds the arguments to the schema by grammar, so the
 * schema must be in the subset of {@code docs/structured-output.md} and within
 * {@link dev.parley.schemas.format.GrammarLimits}.
 *
 * @param type     always {@value #FUNCTION}, the only kind of tool
 * @param function the function
 */
public record Tool(String type, Function function) {

    /** The only tool type. */
    public static final String FUNCTION = "function";

    public Tool {
        type = type == null ? FUNCTION : type;
        if (!FUNCTION.equals(type)) {
            throw new IllegalArgumentException("tool type must be 'function', got '" + type + "'");
        }
        Objects.requireNonNull(function, "function");
    }

    /**
     * A function tool.
     *
     * @param name        1-64 of {@code a-z A-Z 0-9 _ -}, unique among a prompt's tools
     * @param description what the function does, for the model; {@code null}: none
     * @param parameters  a JSON Schema object for the arguments; {@code null}: no arguments
     */
    public static Tool function(String name, String description, JsonNode parameters) {
        return new Tool(FUNCTION, new Function(name, description, parameters, null));
    }

    /** The function's name. */
    public String name() {
        return function.name();
    }

    /**
     * A function the model may call.
     *
     * @param name        the name the model calls it by
     * @param description what it does, for the model
     * @param parameters  JSON Schema of its arguments (an object), or {@code null}
     * @param strict      accepted for OpenAI compatibility; Parley always holds arguments to the schema
     */
    public record Function(String name, String description, JsonNode parameters, Boolean strict) {
        public Function {
            Objects.requireNonNull(name, "function.name");
            if (parameters != null && !parameters.isObject()) {
                throw new IllegalArgumentException("function.parameters must be a JSON object");
            }
        }
    }
}
