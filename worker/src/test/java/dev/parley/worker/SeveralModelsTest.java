package dev.parley.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.client.ParleyClient;
import dev.parley.client.SendOptions;
import dev.parley.client.ServedModel;
import dev.parley.client.UnknownModelException;
import dev.parley.schemas.DeadLetter;
import dev.parley.schemas.GenerationParams;
import dev.parley.schemas.Prompt;
import dev.parley.schemas.Reply;
import dev.parley.schemas.codec.WireJson;
import dev.parley.testkit.ParleyInfra;
import dev.parley.testkit.junit.ParleyInfraExtension;
import dev.parley.worker.engine.InferenceEngine;
import dev.parley.worker.engine.cpp.NativeEngine;
import dev.parley.worker.models.ModelServing;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Two models in one pool on the default (native) engine: SmolLM2-135M keeps the shared prompts topic (the default
 * model, answering prompts that name none), the test kit's synthetic model has its own topic and group. The SDK routes
 * by the prompt's model through the workers' announcements, refuses a model nobody serves, and a worker dead-letters a
 * prompt for another model that reached its topic while it goes on answering.
 */
@ExtendWith({ParleyInfraExtension.class, EngineExtension.class})
class SeveralModelsTest {

    private static final GenerationParams SHORT = GenerationParams.DEFAULTS.withMaxTokens(6).withTemperature(0);
    private static final Duration QUIET = Duration.ofMinutes(2);

    @Test
    void eachModelAnswersOnlyItsOwnPrompts(ParleyInfra infra, NativeEngine smollm, @EngineExtension.Tiny NativeEngine tiny)
            throws Exception {
        try (WorkerHarness harness = new WorkerHarness(infra, 2)) {
            ModelServing serving = serving(harness);
            Worker smolWorker = start(harness, "smol-worker", serving.named("smollm2"), smollm);
            Worker tinyWorker = start(harness, "tiny-worker", serving.named("tiny").ownTopic(), tiny);
            assertThat(smolWorker.config().promptsTopic()).isEqualTo(harness.promptsTopic());
            assertThat(tinyWorker.config().promptsTopic()).isEqualTo(harness.promptsTopic() + ".tiny");
            assertThat(tinyWorker.config().groupId()).isEqualTo(harness.prefix + "-workers.tiny");
            ParleyClient client = client(harness);

            assertThat(client.servedModels()).extracting(ServedModel::name, ServedModel::promptsTopic, ServedModel::workers)
                    .containsExactly(
                            org.assertj.core.groups.Tuple.tuple("smollm2", harness.promptsTopic(), List.of("smol-worker")),
                            org.assertj.core.groups.Tuple.tuple("tiny", harness.promptsTopic() + ".tiny", List.of("tiny-worker")));

            List<String> asked = new ArrayList<>();
            List<CompletableFuture<Reply>> replies = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                String model = i % 4 == 3 ? null : i % 2 == 0 ? "tiny" : "smollm2";
                asked.add(model);
                replies.add(client.send(harness.prefix + "-c" + i, "Say one word.",
                        SendOptions.builder().model(model).params(SHORT).build()));
            }

            List<Reply> answers = Progress.awaitAll(replies, QUIET, () -> "");
            for (int i = 0; i < answers.size(); i++) {
                Reply reply = answers.get(i);
                // A prompt without a model goes to the shared topic, which the default model serves.
                String expected = asked.get(i) == null ? "smollm2" : asked.get(i);
                assertThat(reply.isOk()).as(reply.toString()).isTrue();
                assertThat(reply.model()).as("reply %d", i).isEqualTo(expected);
                assertThat(reply.worker()).isEqualTo(expected.equals("tiny") ? "tiny-worker" : "smol-worker");
            }
            assertThat(harness.registry.find("parley.model.announcements").counter().count()).isGreaterThanOrEqualTo(2);
        }
    }

    @Test
    void aModelNobodyServesIsRefusedBeforeSendingWithTheServedOnes(ParleyInfra infra,
                                                                  @EngineExtension.Tiny NativeEngine tiny)
            throws Exception {
        try (WorkerHarness harness = new WorkerHarness(infra, 1)) {
            start(harness, "tiny-worker", serving(harness).named("tiny").ownTopic(), tiny);
            ParleyClient client = client(harness);

            assertThatThrownBy(() -> client.send("c-1", "hi", SendOptions.builder().model("gpt-4o").build()))
                    .isInstanceOfSatisfying(UnknownModelException.class, e -> {
                        assertThat(e.model()).isEqualTo("gpt-4o");
                        assertThat(e.servedModels()).containsExactly("tiny");
                    })
                    .hasMessage("unknown model 'gpt-4o': the pool serves tiny");
            assertThatThrownBy(() -> client.publish("c-1", "hi", SendOptions.builder().model("gpt-4o").build()))
                    .isInstanceOf(UnknownModelException.class);
            assertThat(client.pendingRequests()).isZero();
            assertThat(harness.readAll(harness.promptsTopic() + ".tiny", 1, Duration.ofSeconds(2))).isEmpty();
        }
    }

    @Test
    void aPromptForAnotherModelOnAWorkersTopicIsDeadLetteredAndTheWorkerGoesOn(ParleyInfra infra,
                                                                               @EngineExtension.Tiny NativeEngine tiny)
            throws Exception {
        try (WorkerHarness harness = new WorkerHarness(infra, 1)) {
            Worker worker = start(harness, "tiny-worker", serving(harness).named("tiny").ownTopic(), tiny);
            String topic = worker.config().promptsTopic();
            ParleyClient client = client(harness);
            Prompt misrouted = Prompt.of("wrong-1", "conv-1", "for the other model").withModel("smollm2");
            try (var producer = new KafkaProducer<>(java.util.Map.<String, Object>of("bootstrap.servers",
                    infra.bootstrapServers()), new StringSerializer(), new ByteArraySerializer())) {
                producer.send(new ProducerRecord<>(topic, "conv-1", WireJson.toBytes(misrouted))).get();
            }

            // The same conversation's next prompt, on the same partition, is answered.
            Reply reply = client.send("conv-1", "Say one word.", SendOptions.builder().model("tiny").params(SHORT)
                    .build()).join();

            assertThat(reply.isOk()).as(reply.toString()).isTrue();
            assertThat(reply.model()).isEqualTo("tiny");
            List<DeadLetter> letters = harness.deadLetters(1, Duration.ofSeconds(60));
            assertThat(letters).hasSize(1);
            DeadLetter letter = letters.get(0);
            assertThat(letter.code()).isEqualTo("unknown_model");
            assertThat(letter.field()).isEqualTo("$.model");
            assertThat(letter.reason()).contains("'smollm2'").contains("serves 'tiny'").contains(topic);
            assertThat(letter.source().topic()).isEqualTo(topic);
            assertThat(WireJson.fromBytes(letter.payload(), Prompt.class)).isEqualTo(misrouted);
            assertThat(harness.history("conv-1")).hasSize(1); // only the answered turn
            assertThat(harness.registry.get("parley.prompts.rejected").tag("reason", "unknown_model").counter()
                    .count()).isEqualTo(1);
        }
    }

    /** This test's own models topic, so other tests' workers on the shared broker are not listed. */
    private static ModelServing serving(WorkerHarness harness) {
        return ModelServing.DEFAULT.withModelsTopic(harness.prefix + ".models");
    }

    private static Worker start(WorkerHarness harness, String id, ModelServing serving, InferenceEngine engine) {
        return harness.startWorker(harness.config(id).build(), serving, engine);
    }

    private static ParleyClient client(WorkerHarness harness) {
        return harness.client(builder -> builder.modelsTopic(harness.prefix + ".models"));
    }
}
