package dev.parley.schemas.validation;

import dev.parley.schemas.Prompt;
import dev.parley.schemas.format.JsonSchemaGrammar;
import dev.parley.schemas.format.UnsupportedSchemaException;

/** The up-front check of a prompt's response format: a schema outside the supported subset is refused before any work. */
final class ResponseFormats {

    /** Where a prompt's response-format schema sits, for the reasons of rejections. */
    static final String SCHEMA_PATH = "$.params.response_format.json_schema.schema";

    private ResponseFormats() {
    }

    /** The rejection of the prompt's response format, or {@code null} when it can be enforced. */
    static Rejection check(Prompt prompt) {
        try {
            JsonSchemaGrammar.forFormat(prompt.paramsOrDefaults().responseFormat(), SCHEMA_PATH);
            return null;
        } catch (UnsupportedSchemaException e) {
            return new Rejection(RejectionCode.UNSUPPORTED_SCHEMA, e.path(), e.getMessage());
        } catch (RuntimeException | StackOverflowError e) {
            // The converter met a value it did not foresee: a bug, but this prompt's alone.
            return new Rejection(RejectionCode.INTERNAL_ERROR, SCHEMA_PATH, SCHEMA_PATH
                    + ": building the grammar failed unexpectedly: " + PromptDecoder.failure(e));
        }
    }
}
