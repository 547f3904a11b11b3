package dev.parley.schemas;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * Outcome of a prompt. {@link #RATE_LIMITED}: the prompt's tenant was over its token quota; nothing was generated or
 * stored, and the error's {@code retry_after_ms} says when the same request may be sent again.
 */
public enum ReplyStatus {
    OK, ERROR, EXPIRED, CANCELLED, RATE_LIMITED;

    @JsonValue
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static ReplyStatus fromWire(String name) {
        for (ReplyStatus status : values()) {
            if (status.wireName().equals(name)) {
                return status;
            }
        }
        throw new IllegalArgumentException("unknown reply status '" + name + "'");
    }
}
