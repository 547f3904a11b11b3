package dev.parley.client;

/** Something went wrong talking to Parley. */
public class ParleyException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public ParleyException(String message) {
        super(message);
    }

    public ParleyException(String message, Throwable cause) {
        super(message, cause);
    }
}
