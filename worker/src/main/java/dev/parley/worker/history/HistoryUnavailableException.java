package dev.parley.worker.history;

/** The history store could not be reached; the turn waits and tries again. */
public class HistoryUnavailableException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public HistoryUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
