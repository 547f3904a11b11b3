package dev.parley.worker.quota;

import dev.parley.worker.history.HistoryUnavailableException;

/**
 * Redis did not answer a quota step. A history outage in all but name (the buckets live in the same Redis): the turn
 * waits it out with the same backoff and retry as its history steps, and is never lost or let through unchecked.
 */
public class QuotaUnavailableException extends HistoryUnavailableException {

    private static final long serialVersionUID = 1L;

    public QuotaUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
