package dev.parley.schemas.validation;

import dev.parley.schemas.Prompt;
import dev.parley.schemas.format.ResponseGrammar;
import dev.parley.schemas.format.UnsupportedSchemaException;

/**
 * The up-front check of a prompt's response format: a schema outside the supported subset, or over the caps of
 * {@link dev.parley.schemas.format.GrammarLimits}, is refused before any work; one within them has its grammar built,
 * once, to be handed on with the prompt.
 */
final class ResponseFormats {

    /** Where a prompt's response-format schema sits, for the reasons of rejections. */
    static final String SCHEMA_PATH = "$.params.response_format.json_schema.schema";

    private ResponseFormats() {
    }

    /** The grammar, or the rejection: exactly one is non-null. */
    record Outcome(ResponseGrammar grammar, Rejection rejection) {
    }

    static Outcome build(Prompt prompt) {
        try {
            return new Outcome(ResponseGrammar.of(prompt.paramsOrDefaults().responseFormat(), SCHEMA_PATH), null);
        } catch (UnsupportedSchemaException e) {
            return new Outcome(null, new Rejection(RejectionCode.UNSUPPORTED_SCHEMA, e.path(), e.getMessage()));
        } catch (RuntimeException | StackOverflowError e) {
            // The converter met a value it did not foresee: a bug, but this prompt's alone.
            return new Outcome(null, new Rejection(RejectionCode.INTERNAL_ERROR, SCHEMA_PATH, SCHEMA_PATH
                    + ": building the grammar failed unexpectedly: " + PromptDecoder.failure(e)));
        }
    }
}
