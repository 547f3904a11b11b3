package dev.parley.worker.intake;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.schemas.DeadLetter;
import dev.parley.schemas.codec.WireJson;
import dev.parley.schemas.validation.Rejection;
import dev.parley.schemas.validation.RejectionCode;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** The one dead-letter policy: the letter as built, then once the same letter shrunk, then nothing. */
class DeadLetterSendTest {

    private final MockProducer<String, byte[]> producer =
            new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer());
    private final DeadLetterPublisher publisher = new DeadLetterPublisher(producer, "dlq", "w1",
            Clock.fixed(Instant.parse("2026-12-07T06:00:00Z"), ZoneOffset.UTC));
    private final Rejection rejection = new Rejection(RejectionCode.INVALID_JSON, null, "not JSON");

    private DeadLetter letterOf(int payloadBytes) {
        return publisher.toDeadLetter(new ConsumerRecord<>("prompts", 0, 7, "c1", new byte[payloadBytes]), rejection);
    }

    @Test
    void aLargeLetterFallsBackOnceToItsShrunkFormAndThenToNothing() {
        DeadLetter whole = letterOf(10_000);

        DeadLetterSend first = publisher.send("c1", whole);
        DeadLetterSend shrunk = first.fallback();

        assertThat(shrunk).isNotNull();
        assertThat(shrunk.describe()).startsWith("shrunk dead letter (invalid_json, 10000 bytes");
        assertThat(shrunk.fallback()).as("shrunk once only").isNull();
        shrunk.attempt().join();
        DeadLetter sent = WireJson.fromBytes(producer.history().get(0).value(), DeadLetter.class);
        assertThat(sent.payload()).hasSize(DeadLetterPublisher.FALLBACK_PAYLOAD_BYTES);
        assertThat(sent.payloadTruncated()).isTrue();
        assertThat(sent.payloadBytes()).isEqualTo(10_000L);
        assertThat(sent.payloadSha256()).isEqualTo(whole.payloadSha256());
        assertThat(producer.history().get(0).key()).isEqualTo("c1");
    }

    @Test
    void aLetterAlreadySmallHasNoFallback() {
        DeadLetterSend small = publisher.send("c1", letterOf(100));

        assertThat(small.fallback()).isNull();
        small.attempt().join();
        assertThat(WireJson.fromBytes(producer.history().get(0).value(), DeadLetter.class).payload()).hasSize(100);
    }
}
