package dev.parley.worker.retry;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.common.errors.RetriableException;

/** Tells failures worth retrying (the broker may come back) from those that will fail the same way every time. */
public final class KafkaErrors {

    private KafkaErrors() {
    }

    /**
     * Whether a send or request that failed with {@code error} may succeed if tried again: Kafka marks those
     * {@link RetriableException} (timeouts, leader changes, a broker away). Record too large, an invalid record,
     * missing authorization or serialization errors are final.
     */
    public static boolean retriable(Throwable error) {
        Throwable cause = unwrap(error);
        return cause instanceof RetriableException;
    }

    /** The failure inside the wrappers futures put around it. */
    public static Throwable unwrap(Throwable error) {
        Throwable cause = error;
        while ((cause instanceof ExecutionException || cause instanceof CompletionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    /** A short description for a log line: the failure's simple class name and message. */
    public static String describe(Throwable error) {
        Throwable cause = unwrap(error);
        return cause.getClass().getSimpleName() + ": " + cause.getMessage();
    }
}
