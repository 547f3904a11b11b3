package dev.parley.schemas;

import java.time.Instant;
import java.util.Objects;

/**
 * A prompt record that was not accepted (schema {@code dead-letter.v1.json}). The original value is kept byte for
 * byte, base64-encoded, so nothing is lost.
 *
 * @param code          class of the problem, e.g. {@code schema_violation}
 * @param reason        human-readable reason naming the field and value
 * @param field         JSON path of the offending field, or {@code null}
 * @param source        where the record came from
 * @param payloadBase64 the original record value
 * @param rejectedAt    when the worker rejected it
 * @param worker        the worker that rejected it
 */
public record DeadLetter(
        String code,
        String reason,
        String field,
        Source source,
        String payloadBase64,
        Instant rejectedAt,
        String worker) {

    public DeadLetter {
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(payloadBase64, "payload_base64");
        Objects.requireNonNull(rejectedAt, "rejected_at");
    }

    /** The record's origin; {@code key} is {@code null} when the record had none. */
    public record Source(String topic, int partition, long offset, String key, Instant timestamp) {
        public Source {
            Objects.requireNonNull(topic, "topic");
        }
    }

    /** The original record value. */
    public byte[] payload() {
        return java.util.Base64.getDecoder().decode(payloadBase64);
    }
}
