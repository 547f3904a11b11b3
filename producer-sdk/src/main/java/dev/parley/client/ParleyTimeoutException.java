package dev.parley.client;

import java.time.Duration;

/**
 * No reply arrived in time. The prompt may still be answered later (it is on the topic); a retry with the same
 * request id is safe and returns the same answer.
 */
public class ParleyTimeoutException extends ParleyException {

    private static final long serialVersionUID = 1L;

    private final String requestId;
    private final Duration timeout;

    public ParleyTimeoutException(String requestId, String conversationId, Duration timeout) {
        super("no reply to request " + requestId + " (conversation " + conversationId + ") within " + timeout);
        this.requestId = requestId;
        this.timeout = timeout;
    }

    /** The request that timed out. */
    public String requestId() {
        return requestId;
    }

    /** How long the client waited. */
    public Duration timeout() {
        return timeout;
    }
}
