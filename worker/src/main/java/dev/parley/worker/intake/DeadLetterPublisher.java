package dev.parley.worker.intake;

import dev.parley.schemas.DeadLetter;
import dev.parley.schemas.codec.WireJson;
import dev.parley.schemas.validation.Rejection;
import dev.parley.worker.dispatch.PendingTurn;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.record.TimestampType;

/**
 * Sends rejected prompt records to the dead-letter topic: the original bytes (or, above {@code maxPayloadBytes}, their
 * first bytes with the size and SHA-256 of the whole), the reason and where they came from, keyed like the original so
 * one conversation's rejects stay together. A dead letter is bounded whatever arrived: a record as large as the
 * broker accepts, compressed far larger, still yields a dead letter the producer can send.
 */
public final class DeadLetterPublisher {

    /** Longest record key kept as is; a longer one is cut in the letter and hashed as the letter's key. */
    static final int MAX_KEY_CHARS = 1024;
    /** Longest reason kept; reasons quote at most short parts of the prompt, so this cuts only the pathological. */
    static final int MAX_REASON_CHARS = 4096;
    /** The payload prefix kept when a full-size letter was refused for good (a broker limit below ours). */
    static final int FALLBACK_PAYLOAD_BYTES = 1024;

    private final Producer<String, byte[]> producer;
    private final String topic;
    private final String workerId;
    private final Clock clock;
    private final int maxPayloadBytes;

    /**
     * @param maxPayloadBytes the most original bytes a dead letter carries (base64 adds a third)
     */
    public DeadLetterPublisher(Producer<String, byte[]> producer, String topic, String workerId, Clock clock,
                               int maxPayloadBytes) {
        if (maxPayloadBytes < 0) {
            throw new IllegalArgumentException("maxPayloadBytes must be >= 0, got " + maxPayloadBytes);
        }
        this.producer = producer;
        this.topic = topic;
        this.workerId = workerId;
        this.clock = clock;
        this.maxPayloadBytes = maxPayloadBytes;
    }

    /** The default bound: 64 KiB of payload. */
    public DeadLetterPublisher(Producer<String, byte[]> producer, String topic, String workerId, Clock clock) {
        this(producer, topic, workerId, clock, 65_536);
    }

    /** Builds the dead letter of a record. */
    public DeadLetter toDeadLetter(ConsumerRecord<String, byte[]> record, Rejection rejection) {
        Instant timestamp = record.timestampType() == TimestampType.NO_TIMESTAMP_TYPE || record.timestamp() < 0
                ? null : Instant.ofEpochMilli(record.timestamp());
        byte[] value = record.value() == null ? new byte[0] : record.value();
        return letter(rejection.code().wireName(), rejection.reason(), rejection.field(), record.topic(),
                record.partition(), record.offset(), record.key(), timestamp, value, maxPayloadBytes);
    }

    /**
     * The dead letter of an accepted prompt that could not be answered ({@code poison_turn}: its turn kept failing;
     * {@code reply_undeliverable}: its reply cannot be delivered; {@code turn_failed}: an unexpected error): the
     * original record when it is known, else the prompt as re-encoded.
     */
    public DeadLetter acceptedButFailed(PendingTurn turn, String code, String reason) {
        return ofTurn(turn, code, reason, code.equals("reply_undeliverable") ? "$.reply_to" : null);
    }

    /** The dead letter of a well-formed prompt a gate refused ({@link PendingTurn#refusal()}), naming its field. */
    public DeadLetter refused(PendingTurn turn, Rejection refusal) {
        return ofTurn(turn, refusal.code().wireName(), refusal.reason(), refusal.field());
    }

    private DeadLetter ofTurn(PendingTurn turn, String code, String reason, String field) {
        ConsumerRecord<String, byte[]> record = turn.record();
        byte[] value = record != null && record.value() != null ? record.value() : WireJson.toBytes(turn.prompt());
        Instant timestamp = record == null || record.timestamp() < 0 ? null : Instant.ofEpochMilli(record.timestamp());
        return letter(code, reason, field, turn.partition().topic(), turn.partition().partition(), turn.offset(),
                turn.conversationId(), timestamp, value, maxPayloadBytes);
    }

    /**
     * The dead letter of a record known only by its position: its value could not be read (it decompresses past the
     * heap) or could not even be copied. The payload is empty and marked truncated, its size and digest unknown; the
     * whole record stays on its topic at that offset.
     */
    public DeadLetter byReference(TopicPartition partition, long offset, String key, Rejection rejection) {
        boolean keyCut = key != null && key.length() > MAX_KEY_CHARS;
        DeadLetter.Source source = new DeadLetter.Source(partition.topic(), partition.partition(), offset,
                keyCut ? key.substring(0, MAX_KEY_CHARS) : key, keyCut ? Boolean.TRUE : null, null);
        String reason = rejection.reason().length() > MAX_REASON_CHARS
                ? rejection.reason().substring(0, MAX_REASON_CHARS) : rejection.reason();
        return new DeadLetter(rejection.code().wireName(), reason, rejection.field(), source, "", Boolean.TRUE, null,
                null, clock.instant(), workerId);
    }

    /** The same letter with at most {@link #FALLBACK_PAYLOAD_BYTES} of payload, for a broker that refused it. */
    public DeadLetter shrunk(DeadLetter letter) {
        byte[] prefix = letter.payload();
        if (prefix.length <= FALLBACK_PAYLOAD_BYTES) {
            return letter;
        }
        long whole = letter.payloadBytes() != null ? letter.payloadBytes() : prefix.length;
        String sha = letter.payloadSha256() != null ? letter.payloadSha256() : sha256(prefix);
        return new DeadLetter(letter.code(), letter.reason(), letter.field(), letter.source(),
                Base64.getEncoder().encodeToString(Arrays.copyOf(prefix, FALLBACK_PAYLOAD_BYTES)), true, whole, sha,
                letter.rejectedAt(), letter.worker());
    }

    /** Publishes; completes when the broker acknowledged the dead letter. */
    public CompletableFuture<Void> publish(ConsumerRecord<String, byte[]> record, Rejection rejection) {
        return publish(record.key(), toDeadLetter(record, rejection));
    }

    /**
     * The send of a dead letter under the original record's key, with its one fallback ({@link DeadLetterSend}): how
     * the intake and the turns both send theirs.
     */
    public DeadLetterSend send(String originalKey, DeadLetter letter) {
        return new DeadLetterSend(this, originalKey, letter, false);
    }

    /** Publishes a dead letter under (a bounded form of) the original record's key. */
    public CompletableFuture<Void> publish(String originalKey, DeadLetter letter) {
        CompletableFuture<Void> acked = new CompletableFuture<>();
        try {
            producer.send(new ProducerRecord<>(topic, letterKey(originalKey), WireJson.toBytes(letter)),
                    (metadata, error) -> {
                        if (error != null) {
                            acked.completeExceptionally(error);
                        } else {
                            acked.complete(null);
                        }
                    });
        } catch (RuntimeException e) {
            acked.completeExceptionally(e);
        }
        return acked;
    }

    private DeadLetter letter(String code, String reason, String field, String sourceTopic, int partition,
                              long offset, String key, Instant timestamp, byte[] value, int payloadLimit) {
        boolean keyCut = key != null && key.length() > MAX_KEY_CHARS;
        DeadLetter.Source source = new DeadLetter.Source(sourceTopic, partition, offset,
                keyCut ? key.substring(0, MAX_KEY_CHARS) : key, keyCut ? Boolean.TRUE : null, timestamp);
        boolean cut = value.length > payloadLimit;
        byte[] kept = cut ? Arrays.copyOf(value, payloadLimit) : value;
        String boundedReason = reason.length() > MAX_REASON_CHARS
                ? reason.substring(0, MAX_REASON_CHARS) + "... (" + reason.length() + " characters)" : reason;
        return new DeadLetter(code, boundedReason, field, source, Base64.getEncoder().encodeToString(kept),
                cut ? Boolean.TRUE : null, (long) value.length, sha256(value), clock.instant(), workerId);
    }

    /** The original key, or for a very long one a digest of it (still the same for one conversation). */
    static String letterKey(String originalKey) {
        if (originalKey == null || originalKey.length() <= MAX_KEY_CHARS) {
            return originalKey;
        }
        return "sha256:" + sha256(originalKey.getBytes(StandardCharsets.UTF_8));
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
