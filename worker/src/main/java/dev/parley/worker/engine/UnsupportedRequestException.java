package dev.parley.worker.engine;

/**
 * The engine cannot do what the request asks (a response format the java engine lacks, a grammar llama.cpp refuses).
 * Trying again cannot help: the turn is answered with an error reply carrying {@link #code()} at once.
 */
public class UnsupportedRequestException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String code;

    /**
     * @param code the reply's error code, e.g. {@code unsupported_response_format}
     */
    public UnsupportedRequestException(String code, String message) {
        super(message);
        this.code = code;
    }

    public String code() {
        return code;
    }
}
