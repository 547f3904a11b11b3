package dev.parley.schemas.format;

import dev.parley.schemas.ResponseFormat;
import java.util.Objects;

/**
 * A response format with its grammar built, so the grammar is built once per prompt (when the prompt is decoded) and
 * handed on to the turn rather than built again for each attempt.
 *
 * @param format the format asked for ({@link ResponseFormat#TEXT} when none was)
 * @param gbnf   the grammar to sample under, or {@code null} for free text
 */
public record ResponseGrammar(ResponseFormat format, String gbnf) {

    /** Free text: no grammar. */
    public static final ResponseGrammar TEXT = new ResponseGrammar(ResponseFormat.TEXT, null);

    public ResponseGrammar {
        Objects.requireNonNull(format, "format");
        if (format.constrained() != (gbnf != null)) {
            throw new IllegalArgumentException("a grammar goes with exactly the JSON formats, not " + format.type());
        }
    }

    /**
     * Builds the grammar of {@code format} under the default {@link GrammarLimits}.
     *
     * @param format the format, or {@code null} for free text
     * @param path   where the format's schema sits, for error messages
     */
    public static ResponseGrammar of(ResponseFormat format, String path) throws UnsupportedSchemaException {
        ResponseFormat given = format == null ? ResponseFormat.TEXT : format;
        return given.constrained() ? new ResponseGrammar(given, JsonSchemaGrammar.forFormat(given, path)) : TEXT;
    }
}
