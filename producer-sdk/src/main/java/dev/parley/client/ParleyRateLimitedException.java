package dev.parley.client;

import dev.parley.schemas.Reply;
import java.time.Duration;

/**
 * The request's tenant was over its token quota: the worker generated nothing and stored nothing, so the same request
 * (the same request id, too) may be sent again after {@link #retryAfter()}.
 */
public class ParleyRateLimitedException extends ParleyException {

    private static final long serialVersionUID = 1L;

    private final transient Reply reply;
    private final Duration retryAfter;

    public ParleyRateLimitedException(Reply reply) {
        super("request " + reply.requestId() + " (conversation " + reply.conversationId() + ") was rate limited: "
                + (reply.error() != null ? reply.error().message() : "its tenant is over its token quota"));
        this.reply = reply;
        Long millis = reply.error() != null ? reply.error().retryAfterMs() : null;
        this.retryAfter = Duration.ofMillis(millis != null ? millis : 0);
    }

    /** How long to wait before sending the request again. */
    public Duration retryAfter() {
        return retryAfter;
    }

    /** The {@code rate_limited} reply as the worker sent it. */
    public Reply reply() {
        return reply;
    }

    /** The request that was refused. */
    public String requestId() {
        return reply.requestId();
    }
}
