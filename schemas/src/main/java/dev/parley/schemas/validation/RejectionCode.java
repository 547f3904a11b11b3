package dev.parley.schemas.validation;

import java.util.Locale;

/** Why a prompt record was rejected; the wire names appear in dead letters. */
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
    /** The prompt names a model that the worker reading its topic does not serve (it was sent to the wrong topic). */
    UNKNOWN_MODEL;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
