package dev.parley.schemas;

import java.util.Objects;

/** Why a prompt failed: a stable code and a message naming the problem. */
public record ErrorInfo(String code, String message) {
    public ErrorInfo {
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(message, "message");
    }
}
