package dev.parley.schemas.validation;

import java.util.Objects;

/**
 * Why a prompt was refused.
 *
 * @param code   the class of problem
 * @param field  JSON path of the offending field ({@code $.params.temperature}), or {@code null}
 * @param reason a sentence naming the field and the bad value
 */
public record Rejection(RejectionCode code, String field, String reason) {
    public Rejection {
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(reason, "reason");
    }

    @Override
    public String toString() {
        return code.wireName() + ": " + reason;
    }
}
