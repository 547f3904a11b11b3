package dev.parley.schemas.validation;

import java.util.Locale;

/**
 * Why a prompt record was rejected; the wire names appear in dead letters, and those of a well-formed prompt a
 * consumer's own check refused ({@code unknown_model}, {@code unsupported_feature}) in its error reply too.
 */
public enum RejectionCode {
    /** The record value exceeds the configured maximum size. */
    TOO_LARGE,
    /** The record value is not valid UTF-8. */
    INVALID_UTF8,
    /** The record value is not JSON. */
    INVALID_JSON,
    /** The JSON does not match {@code prompt.v1.json}. */
    SCHEMA_VIOLATION,
    /** Schema-valid, but a value is unusable (e.g. the last message is not from the user). */
    INVALID_VALUE,
    /** The record key differs from {@code conversation_id}. */
    KEY_MISMATCH,
    /** The record has no key. */
    MISSING_KEY,
    /** The response format's JSON schema uses a keyword outside the supported subset (the reason names it). */
    UNSUPPORTED_SCHEMA,
    /** The prompt names a model that the worker reading its topic does not serve (it was sent to the wrong topic). */
    UNKNOWN_MODEL,
    /**
     * Handling the record failed in a way no check foresaw (a bug): the reason names the exception; the record is
     * dead-lettered so it can only hurt itself, and the rest of its poll batch and partition go on.
     */
    INTERNAL_ERROR,
    /** The record's value could not be read from the broker at all (e.g. it decompresses past the heap). */
    UNREADABLE_RECORD,
    /** The prompt's tenant differs from the tenant that owns its conversation. */
    TENANT_MISMATCH,
    /**
     * The prompt asks for something the worker's engine cannot do (tool calling, say: tools, a tool choice, tool
     * calls or tool results in its messages); the reason names the feature and the engine. Sending it to a topic whose
     * workers can do it succeeds.
     */
    UNSUPPORTED_FEATURE;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
