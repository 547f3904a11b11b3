package dev.parley.schemas;

import java.util.Objects;

/**
 * A call of a tool by the model (OpenAI's shape): in a reply's {@code tool_calls}, and in the assistant messages a
 * sender passes back with the tools' results.
 *
 * @param id       the call's id; the {@link Role#TOOL} message with the result names it in {@code tool_call_id}
 * @param type     always {@value Tool#FUNCTION}
 * @param function the function called and its arguments
 */
public record ToolCall(String id, String type, Function function) {

    public ToolCall {
        Objects.requireNonNull(id, "tool_call.id");
        type = type == null ? Tool.FUNCTION : type;
        if (!Tool.FUNCTION.equals(type)) {
            throw new IllegalArgumentException("tool call type must be 'function', got '" + type + "'");
        }
        Objects.requireNonNull(function, "tool_call.function");
        Objects.requireNonNull(function.name(), "tool_call.function.name");
        Objects.requireNonNull(function.arguments(), "tool_call.function.arguments");
    }

    /** A call of function {@code name} with {@code arguments}, a JSON object as text. */
    public static ToolCall of(String id, String name, String arguments) {
        return new ToolCall(id, Tool.FUNCTION, new Function(name, arguments));
    }

    /** The function's name. */
    public String name() {
        return function.name();
    }

    /** The arguments, a JSON object as text (as the model wrote it). */
    public String arguments() {
        return function.arguments();
    }

    /**
     * The function part of a call; in a {@link ToolCallDelta} either field may be absent.
     *
     * @param name      the function's name
     * @param arguments the arguments as JSON text, or a piece of them in a delta
     */
    public record Function(String name, String arguments) {
    }
}
