package dev.parley.worker.turn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.schemas.DeadLetter;
import dev.parley.schemas.Prompt;
import dev.parley.schemas.Reply;
import dev.parley.schemas.ReplyStatus;
import dev.parley.schemas.codec.WireJson;
import dev.parley.schemas.retry.Backoff;
import dev.parley.schemas.validation.Rejection;
import dev.parley.schemas.validation.RejectionCode;
import dev.parley.worker.dispatch.PendingTurn;
import dev.parley.worker.intake.DeadLetterPublisher;
import dev.parley.worker.metrics.WorkerMetrics;
import dev.parley.worker.reply.ReplyPublisher;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * A prompt a gate refused reaches its turn with the refusal: the turn dead-letters it and answers with an error reply
 * of the refusal's code, generating and storing nothing; a reply that cannot be sent costs only that prompt.
 */
class GateRefusalTurnTest {

    private static final Instant NOW = Instant.parse("2026-12-07T10:00:00Z");
    private static final Rejection OTHER_MODEL = new Rejection(RejectionCode.UNKNOWN_MODEL, "$.model",
            "$.model: the prompt asks for model 'smollm2', but this worker serves 'tiny'");

    private final InMemoryHistoryStore history = new InMemoryHistoryStore();
    private final ScriptedEngine engine = new ScriptedEngine();
    private final RefusingProducer producer = new RefusingProducer();
    private final List<PendingTurn> done = new ArrayList<>();
    private final TurnProcessor processor = TurnProcessor.builder(history, engine,
                    new ReplyPublisher(producer, "replies"), new WorkerMetrics(new SimpleMeterRegistry()),
                    new TurnSettings("w1", 64, 3, Backoff.DEFAULT, Duration.ofSeconds(5)))
            .sleeper(pause -> { }).clock(Clock.fixed(NOW, ZoneOffset.UTC)).onDone(done::add)
            .deadLetters(new DeadLetterPublisher(producer, "dlq", "w1", Clock.fixed(NOW, ZoneOffset.UTC)))
            .build();

    /** Refuses for good (not authorized) every record to the topic {@code forbidden}. */
    private static final class RefusingProducer extends MockProducer<String, byte[]> {

        RefusingProducer() {
            super(true, null, new StringSerializer(), new ByteArraySerializer());
        }

        @Override
        public synchronized Future<RecordMetadata> send(ProducerRecord<String, byte[]> record, Callback callback) {
            if (record.topic().equals("forbidden")) {
                TopicAuthorizationException refused = new TopicAuthorizationException("not authorized");
                callback.onCompletion(null, refused);
                return CompletableFuture.failedFuture(refused);
            }
            return super.send(record, callback);
        }
    }

    private static PendingTurn refused(String requestId, String replyTo) {
        Prompt prompt = Prompt.of(requestId, "c", "hello").newBuilder().model("smollm2").replyTo(replyTo).build();
        return new PendingTurn(new TopicPartition("prompts.tiny", 0), 7, prompt, 0, null, null, OTHER_MODEL);
    }

    private DeadLetter letter(int index) {
        return WireJson.fromBytes(producer.history().get(index).value(), DeadLetter.class);
    }

    @Test
    void aRefusedPromptIsDeadLetteredAndAnsweredWithTheRefusalWithoutGenerating() {
        PendingTurn turn = refused("r1", null);

        processor.run(turn);

        assertThat(producer.history()).extracting(ProducerRecord::topic).containsExactly("dlq", "replies");
        assertThat(letter(0).code()).isEqualTo("unknown_model");
        assertThat(letter(0).field()).isEqualTo("$.model");
        assertThat(letter(0).reason()).isEqualTo(OTHER_MODEL.reason());
        assertThat(letter(0).source().topic()).isEqualTo("prompts.tiny");
        Reply reply = WireJson.fromBytes(producer.history().get(1).value(), Reply.class);
        assertThat(reply.requestId()).isEqualTo("r1");
        assertThat(reply.status()).isEqualTo(ReplyStatus.ERROR);
        assertThat(reply.error().code()).isEqualTo("unknown_model");
        assertThat(reply.error().message()).isEqualTo(OTHER_MODEL.reason());
        assertThat(engine.requests).isEmpty();
        assertThat(history.turns).isEmpty();
        assertThat(history.replies).isEmpty(); // not stored: a later delivery to the right worker is answered
        assertThat(done).containsExactly(turn);
    }

    @Test
    void aRefusalWhoseReplyIsRefusedForGoodCostsOnlyThatPromptAndTheNextTurnRuns() {
        PendingTurn turn = refused("r1", "forbidden");
        PendingTurn next = new PendingTurn(new TopicPartition("prompts.tiny", 0), 8, Prompt.of("r2", "c", "hi"), 0);

        processor.run(turn);
        processor.run(next);

        // the refusal's letter, then the undeliverable reply's; then the next turn's answer
        assertThat(producer.history()).extracting(ProducerRecord::topic).containsExactly("dlq", "dlq", "replies");
        assertThat(letter(0).code()).isEqualTo("unknown_model");
        assertThat(letter(1).code()).isEqualTo("reply_undeliverable");
        assertThat(WireJson.fromBytes(producer.history().get(2).value(), Reply.class).isOk()).isTrue();
        assertThat(done).containsExactly(turn, next);
    }
}
