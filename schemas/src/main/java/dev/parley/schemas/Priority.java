package dev.parley.schemas;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * The lane of a turn. A worker admits interactive turns before batch ones; a batch turn that has waited longer than
 * the worker's aging bound is admitted as if it were interactive, so batch work is never starved. Per-conversation
 * order does not depend on it: a conversation's turns are always answered in the order of their offsets.
 */
public enum Priority {
    /** A person or a service waits for the answer; the default. */
    INTERACTIVE,
    /** Bulk work that can wait: admitted after interactive turns, and may be paused for them. */
    BATCH;

    /** The priority of a prompt that gives none. */
    public static final Priority DEFAULT = INTERACTIVE;

    @JsonValue
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static Priority fromWire(String name) {
        for (Priority priority : values()) {
            if (priority.wireName().equals(name)) {
                return priority;
            }
        }
        throw new IllegalArgumentException("unknown priority '" + name + "' (interactive or batch)");
    }
}
