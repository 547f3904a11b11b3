package dev.parley.schemas;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** Why generation ended. */
public enum FinishReason {
    /** The model ended its answer or hit a stop string. */
    STOP,
    /** {@code max_tokens} was reached. */
    LENGTH,
    CANCELLED,
    /** The model called tools: the reply's {@code tool_calls} says which. */
    TOOL_CALLS,
    DEADLINE,
    ERROR;

    @JsonValue
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static FinishReason fromWire(String name) {
        for (FinishReason reason : values()) {
            if (reason.wireName().equals(name)) {
                return reason;
            }
        }
        throw new IllegalArgumentException("unknown finish reason '" + name + "'");
    }
}
