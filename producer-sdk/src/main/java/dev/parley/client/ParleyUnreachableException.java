package dev.parley.client;

import java.time.Duration;
import java.time.Instant;

/**
 * A request failed because the client could not read replies from the broker for longer than its
 * {@linkplain ParleyClient.Builder#outageTimeout(Duration) outage timeout}. The prompt may still be answered once the
 * broker is back (it may be on the topic); the client keeps trying to reach the broker, and a retry with the same
 * request id is safe and returns the same answer. The last error the client met is the {@linkplain #getCause() cause}.
 */
public class ParleyUnreachableException extends ParleyException {

    private static final long serialVersionUID = 1L;

    private final String requestId;
    private final Instant since;

    public ParleyUnreachableException(String requestId, Instant since, Duration unreachableFor, Duration outageTimeout,
                                      Throwable lastError) {
        super("request " + requestId + " got no reply: the client cannot read replies from the broker since " + since
                + " (" + unreachableFor + ", outage timeout " + outageTimeout + "); last error: "
                + describe(lastError), lastError);
        this.requestId = requestId;
        this.since = since;
    }

    /** The request that failed. */
    public String requestId() {
        return requestId;
    }

    /** When the client's reply listener started failing, without a success since. */
    public Instant since() {
        return since;
    }

    private static String describe(Throwable error) {
        return error == null ? "none" : error.getClass().getSimpleName() + ": " + error.getMessage();
    }
}
