package dev.parley.schemas;

import java.util.Objects;

/**
 * Asks the workers to stop a request (schema {@code cancel.v1.json}), published to the control topic keyed by
 * conversation id.
 *
 * @param type           always {@value #TYPE}
 * @param requestId      the request to stop
 * @param conversationId its conversation
 * @param reason         why, or {@code null}
 */
public record Cancel(String type, String requestId, String conversationId, String reason) {

    public static final String TYPE = "cancel";

    public Cancel {
        type = TYPE;
        Objects.requireNonNull(requestId, "request_id");
        Objects.requireNonNull(conversationId, "conversation_id");
    }

    public static Cancel of(String requestId, String conversationId, String reason) {
        return new Cancel(TYPE, requestId, conversationId, reason);
    }
}
