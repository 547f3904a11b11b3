package dev.parley.schemas;

import java.time.Instant;
import java.util.Objects;

/**
 * A prompt record that was not accepted (schema {@code dead-letter.v1.json}). The original value is kept byte for
 * byte, base64-encoded, up to the worker's bound; a larger value is kept as a prefix with its size and SHA-256, so a
 * dead letter always fits the producer's and broker's limits (the whole record stays on its source topic and offset).
 *
 * @param code             class of the problem, e.g. {@code schema_violation}
 * @param reason           human-readable reason naming the field and value
 * @param field            JSON path of the offending field, or {@code null}
 * @param source           where the record came from
 * @param payloadBase64    the original record value, or its first bytes when {@code payloadTruncated}
 * @param payloadTruncated {@code true} when {@code payloadBase64} holds a prefix only; {@code null} otherwise
 * @param payloadBytes     size of the whole original value, or {@code null} (older dead letters)
 * @param payloadSha256    SHA-256 of the whole original value in lowercase hex, or {@code null} (older dead letters)
 * @param rejectedAt       when the worker rejected it
 * @param worker           the worker that rejected it
 */
public record DeadLetter(
        String code,
        String reason,
        String field,
        Source source,
        String payloadBase64,
        Boolean payloadTruncated,
        Long payloadBytes,
        String payloadSha256,
        Instant rejectedAt,
        String worker) {

    public DeadLetter {
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(payloadBase64, "payload_base64");
        Objects.requireNonNull(rejectedAt, "rejected_at");
    }

    /**
     * The record's origin; {@code key} is {@code null} when the record had none, and holds only the start of a long
     * key when {@code keyTruncated}.
     */
    public record Source(String topic, int partition, long offset, String key, Boolean keyTruncated,
                         Instant timestamp) {
        public Source {
            Objects.requireNonNull(topic, "topic");
        }

        public Source(String topic, int partition, long offset, String key, Instant timestamp) {
            this(topic, partition, offset, key, null, timestamp);
        }
    }

    /** Whether the payload is the whole original value. */
    public boolean payloadComplete() {
        return !Boolean.TRUE.equals(payloadTruncated);
    }

    /** The original record value (its first bytes when the payload was truncated). */
    public byte[] payload() {
        return java.util.Base64.getDecoder().decode(payloadBase64);
    }
}
