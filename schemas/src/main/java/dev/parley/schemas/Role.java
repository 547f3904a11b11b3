package dev.parley.schemas;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** Who spoke a chat message. */
public enum Role {
    SYSTEM("system"),
    USER("user"),
    ASSISTANT("assistant"),
    /** The result of a tool call, passed back to the model (the message names the call in {@code tool_call_id}). */
    TOOL("tool");

    private final String wireName;

    Role(String wireName) {
        this.wireName = wireName;
    }

    /** The name used on the wire and in chat templates. */
    @JsonValue
    public String wireName() {
        return wireName;
    }

    /** Parses a wire name; the error names the bad value. */
    @JsonCreator
    public static Role fromWire(String name) {
        for (Role role : values()) {
            if (role.wireName.equals(name)) {
                return role;
            }
        }
        throw new IllegalArgumentException("unknown role '" + name + "' (expected system, user, assistant or tool)");
    }
}
