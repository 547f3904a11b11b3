package dev.parley.schemas.format;

/**
 * A response-format schema uses something outside the supported subset (see {@code docs/structured-output.md}).
 * The message names the keyword and where it is, so the sender can fix the schema.
 */
public final class UnsupportedSchemaException extends Exception {

    private static final long serialVersionUID = 1L;

    private final String keyword;
    private final String path;

    public UnsupportedSchemaException(String keyword, String path, String message) {
        super(path + ": " + message);
        this.keyword = keyword;
        this.path = path;
    }

    /** The keyword at fault, e.g. {@code pattern}. */
    public String keyword() {
        return keyword;
    }

    /** Where it is, as a JSON path into the prompt, e.g. {@code $.params.response_format.json_schema.schema.properties.id}. */
    public String path() {
        return path;
    }
}
