package dev.parley.worker.intake;

import dev.parley.schemas.DeadLetter;
import dev.parley.schemas.codec.WireJson;
import dev.parley.schemas.validation.Rejection;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.record.TimestampType;

/**
 * Sends rejected prompt records to the dead-letter topic: original bytes, the reason and where they came from, keyed
 * like the original so one conversation's rejects stay together.
 */
public final class DeadLetterPublisher {

    private final Producer<String, byte[]> producer;
    private final String topic;
    private final String workerId;
    private final Clock clock;

    public DeadLetterPublisher(Producer<String, byte[]> producer, String topic, String workerId, Clock clock) {
        this.producer = producer;
        this.topic = topic;
        this.workerId = workerId;
        this.clock = clock;
    }

    /** Builds the dead letter of a record. */
    public DeadLetter toDeadLetter(ConsumerRecord<String, byte[]> record, Rejection rejection) {
        Instant timestamp = record.timestampType() == TimestampType.NO_TIMESTAMP_TYPE || record.timestamp() < 0
                ? null : Instant.ofEpochMilli(record.timestamp());
        byte[] value = record.value() == null ? new byte[0] : record.value();
        return new DeadLetter(rejection.code().wireName(), rejection.reason(), rejection.field(),
                new DeadLetter.Source(record.topic(), record.partition(), record.offset(), record.key(), timestamp),
                Base64.getEncoder().encodeToString(value), clock.instant(), workerId);
    }

    /**
     * The dead letter of an accepted prompt that could not be answered ({@code poison_turn}: its turn kept failing;
     * {@code reply_undeliverable}: its reply topic does not exist): the original record when it is known, else the
     * prompt as re-encoded.
     */
    public DeadLetter acceptedButFailed(dev.parley.worker.dispatch.PendingTurn turn, String code, String reason) {
        ConsumerRecord<String, byte[]> record = turn.record();
        byte[] value = record != null && record.value() != null ? record.value()
                : dev.parley.schemas.codec.WireJson.toBytes(turn.prompt());
        Instant timestamp = record == null || record.timestamp() < 0 ? null : Instant.ofEpochMilli(record.timestamp());
        return new DeadLetter(code, reason, code.equals("reply_undeliverable") ? "$.reply_to" : null,
                new DeadLetter.Source(turn.partition().topic(), turn.partition().partition(), turn.offset(),
                        turn.conversationId(), timestamp),
                Base64.getEncoder().encodeToString(value), clock.instant(), workerId);
    }

    /** Publishes; completes when the broker acknowledged the dead letter. */
    public CompletableFuture<Void> publish(ConsumerRecord<String, byte[]> record, Rejection rejection) {
        return publish(record.key(), toDeadLetter(record, rejection));
    }

    /** Publishes a dead letter under a key. */
    public CompletableFuture<Void> publish(String key, DeadLetter letter) {
        CompletableFuture<Void> acked = new CompletableFuture<>();
        try {
            producer.send(new ProducerRecord<>(topic, key, WireJson.toBytes(letter)), (metadata, error) -> {
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
}
