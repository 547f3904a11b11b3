package dev.parley.worker.turn;

import dev.parley.schemas.retry.Backoff;
import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.schemas.ChatMessage;
import dev.parley.schemas.FinishReason;
import dev.parley.schemas.Prompt;
import dev.parley.schemas.Reply;
import dev.parley.schemas.ReplyStatus;
import dev.parley.schemas.Tool;
import dev.parley.schemas.Timings;
import dev.parley.schemas.Usage;
import dev.parley.schemas.codec.WireJson;
import dev.parley.worker.dispatch.PendingTurn;
import dev.parley.worker.engine.ContextOverflowException;
import dev.parley.worker.engine.EngineInfo;
import dev.parley.worker.engine.Generation;
import dev.parley.worker.engine.KvTier;
import dev.parley.worker.engine.tools.ToolSyntax;
import dev.parley.worker.history.HistoryEntry;
import dev.parley.worker.metrics.WorkerMetrics;
import dev.parley.worker.reply.ChunkStream;
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
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

class TurnProcessorTest {

    private static final Instant NOW = Instant.parse("2026-11-28T10:00:00Z");

    private final InMemoryHistoryStore history = new InMemoryHistoryStore();
    private final ScriptedEngine engine = new ScriptedEngine();
    private final LimitedProducer producer = new LimitedProducer();
    private final List<Duration> sleeps = new ArrayList<>();
    private final List<PendingTurn> done = new ArrayList<>();
    private final TurnProcessor processor = builder(new TurnSettings("w1", 64, 3, Backoff.DEFAULT,
            Duration.ofSeconds(5))).build();

    /** A processor of this test's history, engine and producer, on a fixed clock, recording its sleeps. */
    private TurnProcessorBuilder builder(TurnSettings settings) {
        return TurnProcessor.builder(history, engine, new ReplyPublisher(producer, "replies"),
                        new WorkerMetrics(new SimpleMeterRegistry()), settings)
                .sleeper(sleeps::add).clock(Clock.fixed(NOW, ZoneOffset.UTC)).onDone(done::add);
    }

    private TurnProcessor withDeadLetters() {
        return builder(new TurnSettings("w1", 64, 3, Backoff.DEFAULT, Duration.ofSeconds(5)))
                .deadLetters(new dev.parley.worker.intake.DeadLetterPublisher(producer, "dlq", "w1",
                        Clock.fixed(NOW, ZoneOffset.UTC)))
                .build();
    }

    /** Refuses for good dead letters over {@code dlqLimit} bytes, like a broker with a small max.message.bytes. */
    private static final class LimitedProducer extends MockProducer<String, byte[]> {
        int dlqLimit = Integer.MAX_VALUE;

        LimitedProducer() {
            super(true, null, new StringSerializer(), new ByteArraySerializer());
        }

        @Override
        public synchronized Future<RecordMetadata> send(ProducerRecord<String, byte[]> record, Callback callback) {
            if (record.topic().equals("dlq") && record.value().length > dlqLimit) {
                RecordTooLargeException refused = new RecordTooLargeException("over " + dlqLimit + " bytes");
                callback.onCompletion(null, refused);
                return CompletableFuture.failedFuture(refused);
            }
            return super.send(record, callback);
        }
    }

    private static PendingTurn turn(String requestId, String conversation, String text) {
        return new PendingTurn(new TopicPartition("prompts", 0), 7, Prompt.of(requestId, conversation, text), 0);
    }

    private List<Reply> published() {
        return producer.history().stream().filter(r -> !r.topic().equals("dlq"))
                .map(r -> WireJson.fromBytes(r.value(), Reply.class)).toList();
    }

    @Test
    void answersStoresAndPublishesThenReportsDone() {
        PendingTurn turn = turn("r1", "c", "hello");

        processor.run(turn);

        assertThat(published()).singleElement().satisfies(reply -> {
            assertThat(reply.status()).isEqualTo(ReplyStatus.OK);
            assertThat(reply.content()).isEqualTo("answer 0");
            assertThat(reply.turn()).isEqualTo(1);
            assertThat(reply.worker()).isEqualTo("w1");
        });
        assertThat(producer.history().get(0).key()).isEqualTo("c");
        assertThat(history.turns.get("c")).extracting(HistoryEntry::answer).containsExactly("answer 0");
        assertThat(done).containsExactly(turn);
    }

    @Test
    void toolsUnderAutoAreSampledUnderTheLazyGrammarAndAHeldCallCutOffIsInvalidOutput() {
        engine.info = new EngineInfo("scripted", 2, 1024, ToolSyntax.GENERIC);
        Prompt prompt = Prompt.of("r1", "c", "weather in Paris?").newBuilder().tools(List.of(Tool.function(
                "get_weather", "The weather", WireJson.mapper().readTree("{\"type\":\"object\"}")))).build();
        engine.outcome = new Generation("{\"name\": \"get_weather\", \"argu", FinishReason.LENGTH, 10, 0, 0, 8, 0,
                1_000_000, 2_000_000, KvTier.PREFILL);

        processor.run(new PendingTurn(new TopicPartition("prompts", 0), 7, prompt, 0));

        assertThat(engine.requests.get(0).sampling().grammar()).startsWith("root ::= tool-call\n");
        assertThat(engine.requests.get(0).sampling().grammarTriggers()).hasSize(1);
        assertThat(published()).singleElement().satisfies(reply -> {
            assertThat(reply.status()).isEqualTo(ReplyStatus.ERROR);
            assertThat(reply.error().code()).isEqualTo("invalid_output");
            assertThat(reply.error().message()).contains("started a tool call");
        });
        assertThat(history.turns.get("c")).isNullOrEmpty();

        // text that starts no call is an answer as before
        engine.outcome = null;
        processor.run(new PendingTurn(new TopicPartition("prompts", 0), 8, prompt.newBuilder().requestId("r2")
                .build(), 0));
        assertThat(published().get(1).status()).isEqualTo(ReplyStatus.OK);
    }

    @Test
    void theSecondTurnSeesTheFirstInItsTranscript() {
        processor.run(turn("r1", "c", "one"));
        processor.run(turn("r2", "c", "two"));

        assertThat(engine.requests.get(1).transcript().history()).singleElement()
                .satisfies(e -> assertThat(e.messages()).containsExactly(ChatMessage.user("one"), ChatMessage.assistant("answer 0")));
        assertThat(published()).extracting(Reply::turn).containsExactly(1, 2);
    }

    @Test
    void turnsAreNumberedByTheCounterWhenOldTurnsAreNoLongerStored() {
        history.keepNewest = 2;
        Prompt first = Prompt.of("r1", "c", "one").newBuilder().system("Be brief.").build();
        processor.run(new PendingTurn(new TopicPartition("prompts", 0), 7, first, 0));
        processor.run(turn("r2", "c", "two"));
        processor.run(turn("r3", "c", "three"));
        processor.run(turn("r4", "c", "four"));

        assertThat(published()).extracting(Reply::turn).containsExactly(1, 2, 3, 4);
        assertThat(history.turns.get("c")).extracting(HistoryEntry::turn).containsExactly(3, 4);
        var lastTranscript = engine.requests.get(3).transcript();
        assertThat(lastTranscript.system()).as("turn 1's, though turn 1 is gone").isEqualTo("Be brief.");
        assertThat(lastTranscript.history()).hasSize(2);
        assertThat(lastTranscript.earlierTurns()).isEqualTo(1);
    }

    @Test
    void aRedeliveredRequestGetsTheStoredReplyWithoutGenerating() {
        processor.run(turn("r1", "c", "hello"));
        processor.run(turn("r1", "c", "hello"));

        assertThat(engine.requests).hasSize(1);
        assertThat(published()).hasSize(2);
        assertThat(published().get(1)).isEqualTo(published().get(0));
        assertThat(history.turns.get("c")).hasSize(1);
    }

    @Test
    void aHistoryOutageIsWaitedOutWithGrowingBackoff() {
        history.failNextCalls = 3;

        processor.run(turn("r1", "c", "hello"));

        assertThat(sleeps).containsExactly(Duration.ofMillis(100), Duration.ofMillis(200), Duration.ofMillis(400));
        assertThat(published()).singleElement().extracting(Reply::status).isEqualTo(ReplyStatus.OK);
    }

    /** M9: an outage at append time retries the append with the finished generation, never generates again. */
    @Test
    void aRedisFailureAtAppendTimeRetriesOnlyTheAppendWithTheFinishedGeneration() {
        history.failNextAppends = 2;
        Prompt streamed = Prompt.of("r1", "c", "hello").newBuilder().stream(true).build();

        processor.run(new PendingTurn(new TopicPartition("prompts", 0), 7, streamed, 0));

        assertThat(engine.requests).as("generated once").hasSize(1);
        assertThat(sleeps).containsExactly(Duration.ofMillis(100), Duration.ofMillis(200));
        var records = producer.history().stream().map(r -> WireJson.mapper().readTree(r.value())).toList();
        assertThat(records).filteredOn(r -> r.has("delta"))
                .as("one streamed attempt").allMatch(r -> r.get("attempt").asInt() == 1);
        assertThat(records).filteredOn(r -> r.has("delta")).isNotEmpty();
        assertThat(records).filteredOn(r -> !r.has("delta")).singleElement()
                .satisfies(reply -> {
                    assertThat(reply.get("status").asString()).isEqualTo("ok");
                    assertThat(reply.get("content").asString()).isEqualTo("answer 0");
                });
        assertThat(history.turns.get("c")).extracting(HistoryEntry::answer).containsExactly("answer 0");
    }

    /** M1: a prompt of another tenant is refused before anything is read, generated or stored for it. */
    @Test
    void aPromptOfAnotherTenantIsDeadLetteredAndAnsweredWithAnErrorAndNothingIsStored() {
        TurnProcessor withDeadLetters = withDeadLetters();
        withDeadLetters.run(tenantTurn("r1", "acme", null));

        PendingTurn foreign = tenantTurn("r1", "acme-h", "their-replies");
        withDeadLetters.run(foreign);
        withDeadLetters.run(tenantTurn("r2", null, "their-replies"));

        assertThat(engine.requests).as("only the owner's turn generated").hasSize(1);
        assertThat(producer.history()).extracting(r -> r.topic())
                .containsExactly("replies", "dlq", "their-replies", "dlq", "their-replies");
        var letter = WireJson.fromBytes(producer.history().get(1).value(), dev.parley.schemas.DeadLetter.class);
        assertThat(letter.code()).isEqualTo("tenant_mismatch");
        assertThat(letter.reason()).contains("tenant acme-h");
        Reply refused = WireJson.fromBytes(producer.history().get(2).value(), Reply.class);
        assertThat(refused.error().code()).isEqualTo("tenant_mismatch");
        assertThat(refused.content()).as("not the stored reply of r1").isNull();
        assertThat(history.turns.get("c")).hasSize(1);
        assertThat(history.replies).containsOnlyKeys("c/r1");
        assertThat(done).hasSize(3);
    }

    private static PendingTurn tenantTurn(String requestId, String tenant, String replyTo) {
        Prompt prompt = Prompt.of(requestId, "c", "hello").newBuilder().replyTo(replyTo).tenant(tenant).build();
        return new PendingTurn(new TopicPartition("prompts", 0), 7, prompt, 0);
    }

    /** The one dead-letter policy on the turn side: refused for good, the letter is sent once more, shrunk. */
    @Test
    void aPoisonTurnsDeadLetterTheBrokerRefusesIsSentAgainShrunk() {
        producer.dlqLimit = 4096;
        engine.failNext = 3;
        PendingTurn turn = turn("r1", "c", "x".repeat(5000));

        withDeadLetters().run(turn);

        assertThat(producer.history()).extracting(r -> r.topic()).containsExactly("dlq", "replies");
        var letter = WireJson.fromBytes(producer.history().get(0).value(), dev.parley.schemas.DeadLetter.class);
        assertThat(letter.code()).isEqualTo("poison_turn");
        assertThat(letter.payloadTruncated()).isTrue();
        assertThat(letter.payload()).hasSize(1024); // DeadLetterPublisher.FALLBACK_PAYLOAD_BYTES
        assertThat(letter.payloadBytes()).isGreaterThan(5000L);
        assertThat(done).containsExactly(turn);
    }

    @Test
    void aGenerationThatKeepsFailingGetsAnErrorReplyAndTheConversationMovesOn() {
        engine.failNext = 3;

        processor.run(turn("r1", "c", "hello"));
        processor.run(turn("r2", "c", "next"));

        assertThat(published().get(0).status()).isEqualTo(ReplyStatus.ERROR);
        assertThat(published().get(0).error().code()).isEqualTo("generation_failed");
        assertThat(published().get(1).status()).isEqualTo(ReplyStatus.OK);
        assertThat(published().get(1).turn()).isEqualTo(1);
        assertThat(done).hasSize(2);
    }

    @Test
    void aPoisonTurnIsDeadLetteredAndAnsweredAndAnUnexpectedErrorCountsAsFailure() {
        engine.failNext = 3;
        engine.failure = new IllegalStateException("template exploded");
        TurnProcessor withDeadLetters = withDeadLetters();
        PendingTurn turn = turn("r1", "c", "hello");

        withDeadLetters.run(turn);

        assertThat(producer.history()).extracting(r -> r.topic()).containsExactly("dlq", "replies");
        var letter = WireJson.fromBytes(producer.history().get(0).value(), dev.parley.schemas.DeadLetter.class);
        assertThat(letter.code()).isEqualTo("poison_turn");
        assertThat(letter.reason()).contains("turn_failed after 3 attempts").contains("template exploded");
        assertThat(letter.source().offset()).isEqualTo(7);
        assertThat(WireJson.fromBytes(letter.payload(), Prompt.class)).isEqualTo(turn.prompt());
        assertThat(published().get(0).error().code()).isEqualTo("turn_failed");
        assertThat(done).containsExactly(turn);
    }

    @Test
    void aTurnThatCannotFitGetsAnErrorReplyWithoutRetrying() {
        engine.failNext = 1;
        engine.failure = new ContextOverflowException(5000, 1024);

        processor.run(turn("r1", "c", "huge"));

        assertThat(engine.requests).hasSize(1);
        assertThat(published().get(0).error().code()).isEqualTo("context_overflow");
        assertThat(published().get(0).error().message()).contains("5000").contains("1024");
    }

    @Test
    void aPassedDeadlineExpiresTheTurnWithoutGenerating() {
        Prompt prompt = Prompt.of("r1", "c", "late").newBuilder().deadline(NOW.minusSeconds(1)).build();

        processor.run(new PendingTurn(new TopicPartition("prompts", 0), 1, prompt, 0));

        assertThat(engine.requests).isEmpty();
        assertThat(published().get(0).status()).isEqualTo(ReplyStatus.EXPIRED);
        assertThat(published().get(0).finishReason()).isEqualTo(FinishReason.DEADLINE);
    }

    @Test
    void whenAnotherWorkerStoredTheSameRequestMeanwhileItsReplyIsPublished() {
        Reply theirs = Reply.builder().requestId("r1").conversationId("c").status(ReplyStatus.OK)
                .content("their answer").finishReason(FinishReason.STOP).usage(Usage.NONE).timings(Timings.NONE)
                .turn(1).droppedTurns(0).model("m").worker("w2").build();
        engine.beforeAnswer = () -> {
            history.turns.put("c", new ArrayList<>(List.of(
                    new HistoryEntry(1, "r1", null, List.of(ChatMessage.user("hello")), "their answer", NOW))));
            history.replies.put("c/r1", theirs);
        };

        processor.run(turn("r1", "c", "hello"));

        assertThat(published()).containsExactly(theirs);
        assertThat(history.turns.get("c")).hasSize(1);
    }

    @Test
    void aRetriedStreamedGenerationSendsItsChunksAsANewAttempt() {
        engine.failNext = 1;
        engine.partialBeforeFailure = "Once upon";
        Prompt prompt = Prompt.of("r1", "c", "story").newBuilder().stream(true).build();
        TurnProcessor everyToken = builder(new TurnSettings("w1", 64, 3, Backoff.DEFAULT, Duration.ofSeconds(5),
                new ChunkStream.Batching(1, Duration.ZERO))).build();

        everyToken.run(new PendingTurn(new TopicPartition("prompts", 0), 1, prompt, 0));

        var records = producer.history().stream().map(r -> WireJson.mapper().readTree(r.value())).toList();
        assertThat(records).hasSize(3);
        assertThat(records.get(0).get("type").asString()).isEqualTo("chunk");
        assertThat(records.get(0).get("attempt").asInt()).isEqualTo(1);
        assertThat(records.get(0).get("delta").asString()).isEqualTo("Once upon");
        assertThat(records.get(1).get("attempt").asInt()).isEqualTo(2);
        assertThat(records.get(1).get("seq").asInt()).isZero();
        assertThat(records.get(1).get("delta").asString()).isEqualTo("answer 0");
        assertThat(records.get(2).get("content").asString()).as("the final reply").isEqualTo("answer 0");
    }

    @Test
    void aRequestCancelledBeforeItsTurnIsAnsweredCancelledWithoutGenerating() {
        history.markCancelled("c", "r1");

        processor.run(turn("r1", "c", "hello"));
        processor.run(turn("r2", "c", "next"));

        assertThat(engine.requests).hasSize(1);
        assertThat(published().get(0).status()).isEqualTo(ReplyStatus.CANCELLED);
        assertThat(published().get(0).finishReason()).isEqualTo(FinishReason.CANCELLED);
        assertThat(published().get(1).turn()).as("the conversation goes on").isEqualTo(1);
        assertThat(history.replies.get("c/r1").status()).as("a redelivery gets the same answer")
                .isEqualTo(ReplyStatus.CANCELLED);
    }

    @Test
    void aRequestCancelledWhileGeneratingStopsAndStaysOutOfTheHistory() {
        dev.parley.worker.control.Cancellations cancellations = new dev.parley.worker.control.Cancellations();
        TurnProcessor cancellable = builder(new TurnSettings("w1", 64, 3, Backoff.DEFAULT, Duration.ofSeconds(5)))
                .cancellations(cancellations).build();
        engine.beforeAnswer = () -> cancellations.cancel("c", "r1");

        cancellable.run(turn("r1", "c", "hello"));

        assertThat(published().get(0).status()).isEqualTo(ReplyStatus.CANCELLED);
        assertThat(published().get(0).content()).isEqualTo("partial");
        assertThat(history.turns.getOrDefault("c", List.of())).isEmpty();
        assertThat(done).hasSize(1);
    }

    @Test
    void metadataIsEchoed() {
        Prompt prompt = Prompt.of("r1", "c", "hi").newBuilder().metadata(java.util.Map.of("trace", "t-1")).build();

        processor.run(new PendingTurn(new TopicPartition("prompts", 0), 1, prompt, 0));

        assertThat(published().get(0).metadata()).containsEntry("trace", "t-1");
    }

    @Test
    void anErrorFromTheEngineFinishesTheRecordWithAnErrorReplyAndNothingInTheHistory() {
        engine.beforeAnswer = () -> {
            throw new AssertionError("a bug deep in the engine");
        };
        PendingTurn turn = turn("r1", "c", "hello");

        processor.run(turn);

        assertThat(published()).singleElement().satisfies(reply -> {
            assertThat(reply.status()).isEqualTo(ReplyStatus.ERROR);
            assertThat(reply.error().code()).isEqualTo("turn_failed");
            assertThat(reply.error().message()).contains("AssertionError").contains("a bug deep in the engine");
        });
        assertThat(history.turns.get("c")).isNullOrEmpty();
        assertThat(done).containsExactly(turn);
    }

    @Test
    void anAbandonedGenerationIsNeitherStoredNorPublishedNorDone() {
        engine.failNext = 1;
        engine.failure = new dev.parley.worker.engine.GenerationAbandonedException("the worker is stopping");

        processor.run(turn("r1", "c", "hello"));

        assertThat(producer.history()).isEmpty();
        assertThat(history.turns.get("c")).isNullOrEmpty();
        assertThat(history.storedReply("c", "r1")).isEmpty();
        assertThat(done).as("stays uncommitted: the next owner generates it").isEmpty();
        assertThat(Thread.interrupted()).as("the interrupt is kept for the turn thread's owner").isTrue();
    }

    @Test
    void aDeadlinePassedBeforeTheFirstTokenIsExpiredAndAddsNoTurn() {
        engine.outcome = new Generation("", FinishReason.DEADLINE, 10, 0, 0, 0, 0, -1, 2_000_000, KvTier.PREFILL);

        processor.run(turn("r1", "c", "hello"));

        assertThat(published()).singleElement().satisfies(reply -> {
            assertThat(reply.status()).isEqualTo(ReplyStatus.EXPIRED);
            assertThat(reply.finishReason()).isEqualTo(FinishReason.DEADLINE);
        });
        assertThat(history.turns.get("c")).as("no empty assistant turn").isNullOrEmpty();
    }

    @Test
    void aRedeliveredFailingRequestGetsItsStoredErrorWithoutGeneratingAgain() {
        engine.failNext = 3;

        processor.run(turn("r1", "c", "hello"));
        processor.run(turn("r1", "c", "hello"));

        assertThat(engine.requests).hasSize(3);
        assertThat(published()).hasSize(2).allMatch(reply -> reply.status() == ReplyStatus.ERROR);
        assertThat(published().get(1)).isEqualTo(published().get(0));
    }
}
