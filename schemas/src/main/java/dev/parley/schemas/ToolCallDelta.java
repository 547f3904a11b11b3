package dev.parley.schemas;

/**
 * A piece of a tool call in a streamed {@link Chunk} (OpenAI's delta shape): the first piece of a call has its id and
 * name, later ones add text to its arguments. Concatenating the pieces of one index gives the reply's call.
 *
 * @param index    which call of the reply this piece belongs to (0-based)
 * @param id       the call's id, on its first piece only
 * @param type     {@value Tool#FUNCTION} on the first piece only
 * @param function the name (first piece) and a piece of the arguments
 */
public record ToolCallDelta(int index, String id, String type, ToolCall.Function function) {

    public ToolCallDelta {
        if (index < 0) {
            throw new IllegalArgumentException("tool call delta index must be >= 0, got " + index);
        }
    }
}
