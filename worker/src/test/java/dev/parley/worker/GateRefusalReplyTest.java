package dev.parley.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.client.ParleyClient;
import dev.parley.client.SendOptions;
import dev.parley.schemas.DeadLetter;
import dev.parley.schemas.GenerationParams;
import dev.parley.schemas.ModelAnnouncement;
import dev.parley.schemas.Prompt;
import dev.parley.schemas.Reply;
import dev.parley.schemas.ReplyStatus;
import dev.parley.schemas.Tool;
import dev.parley.schemas.codec.WireJson;
import dev.parley.testkit.ParleyInfra;
import dev.parley.testkit.junit.ParleyInfraExtension;
import dev.parley.worker.engine.cpp.NativeEngine;
import dev.parley.worker.history.HistoryEntry;
import dev.parley.worker.models.ModelServing;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A well-formed prompt that a worker's gate refuses (another model than it serves, tools its engine cannot call) is
 * answered at once with an error reply of the refusal's code, which the SDK hands to the sender, and dead-lettered
 * as before; the conversation's next prompt is answered. Without the reply the sender would wait for its timeout
 * (the client here waits two minutes and would fail the send with a timeout instead of this reply).
 */
@ExtendWith({ParleyInfraExtension.class, EngineExtension.class})
class GateRefusalReplyTest {

    private static final GenerationParams SHORT = GenerationParams.DEFAULTS.withMaxTokens(6).withTemperature(0);
    private static final Duration QUIET = Duration.ofMinutes(2);

    @Test
    void aPromptForAnotherModelSentThroughTheSdkGetsUnknownModelAndIsDeadLettered(ParleyInfra infra,
            @EngineExtension.Tiny NativeEngine tiny) throws Exception {
        try (WorkerHarness harness = new WorkerHarness(infra, 1)) {
            String models = harness.prefix + ".models";
            Worker worker = harness.startWorker(harness.config("tiny-worker").build(),
                    ModelServing.DEFAULT.withModelsTopic(models).named("tiny").ownTopic(), tiny);
            String topic = worker.config().promptsTopic();
            // A stale announcement (a worker that served smollm2 on this topic before it was given to tiny): the SDK
            // sends smollm2's prompts to the tiny worker, which must refuse them.
            Instant now = Instant.now();
            ModelAnnouncement stale = new ModelAnnouncement("smollm2", topic, worker.config().groupId(),
                    "gone-worker", null, 1, now, now.plus(Duration.ofHours(1)));
            try (var producer = harness.rawProducer()) {
                producer.send(new ProducerRecord<>(models, stale.key(), WireJson.toBytes(stale))).get();
            }
            ParleyClient client = harness.client(builder -> builder.modelsTopic(models));
            String conversation = harness.prefix + "-conv";

            Reply refused = client.send(conversation, "for the other model", SendOptions.builder().model("smollm2")
                    .params(SHORT).build()).join();
            Reply answered = client.send(conversation, "Say one word.", SendOptions.builder().model("tiny")
                    .params(SHORT).build()).join();

            assertThat(refused.status()).isEqualTo(ReplyStatus.ERROR);
            assertThat(refused.error().code()).isEqualTo("unknown_model");
            assertThat(refused.error().message()).contains("'smollm2'").contains("serves 'tiny'");
            assertThat(refused.conversationId()).isEqualTo(conversation);
            assertThat(answered.isOk()).as(answered.toString()).isTrue();
            DeadLetter letter = onlyDeadLetter(harness);
            assertThat(letter.code()).isEqualTo("unknown_model");
            assertThat(letter.field()).isEqualTo("$.model");
            assertThat(letter.source().topic()).isEqualTo(topic);
            assertThat(WireJson.fromBytes(letter.payload(), Prompt.class).requestId()).isEqualTo(refused.requestId());
            assertThat(harness.history(conversation)).extracting(HistoryEntry::requestId)
                    .containsExactly(answered.requestId()); // nothing stored for the refused prompt
            assertThat(harness.registry.get("parley.prompts.rejected").tag("reason", "unknown_model").counter()
                    .count()).isEqualTo(1);
        }
    }

    @Test
    void aPromptUsingToolsOnAWorkerThatCallsNoneGetsUnsupportedFeature(ParleyInfra infra,
            @EngineExtension.Tiny NativeEngine tiny) throws Exception {
        assertThat(tiny.callsTools()).as("the tiny model has no tool syntax").isFalse();
        try (WorkerHarness harness = new WorkerHarness(infra, 1)) {
            harness.startWorker(harness.config("tiny-worker").build(), tiny);
            ParleyClient client = harness.client();
            String conversation = harness.prefix + "-conv";
            // No model named: the SDK cannot know the topic's workers call no tools, so only the worker can refuse.
            Prompt withTools = Prompt.of("tools-1", conversation, "What is the weather in Paris?").newBuilder()
                    .tools(List.of(Tool.function("get_weather", "The weather in a city", WireJson.mapper()
                            .readTree("{\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\"}}}"))))
                    .params(SHORT).build();

            Reply refused = client.send(withTools).join();
            Reply answered = client.send(Prompt.of("plain-1", conversation, "Say one word.").newBuilder().params(SHORT)
                    .build()).join();

            assertThat(refused.status()).isEqualTo(ReplyStatus.ERROR);
            assertThat(refused.error().code()).isEqualTo("unsupported_feature");
            assertThat(refused.error().message()).startsWith("$.tools: tool calling is not supported");
            assertThat(answered.isOk()).as(answered.toString()).isTrue();
            DeadLetter letter = onlyDeadLetter(harness);
            assertThat(letter.code()).isEqualTo("unsupported_feature");
            assertThat(letter.field()).isEqualTo("$.tools");
            assertThat(harness.history(conversation)).extracting(HistoryEntry::requestId).containsExactly("plain-1");
        }
    }

    /** The one dead letter of the test, read until it came (or nothing came for a while). */
    private static DeadLetter onlyDeadLetter(WorkerHarness harness) {
        List<DeadLetter> letters = harness.deadLetters(1, QUIET);
        assertThat(letters).hasSize(1);
        return letters.get(0);
    }
}
