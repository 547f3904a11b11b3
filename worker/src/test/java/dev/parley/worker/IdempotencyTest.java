package dev.parley.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.parley.client.ParleyClient;
import dev.parley.client.SendOptions;
import dev.parley.schemas.GenerationParams;
import dev.parley.schemas.Prompt;
import dev.parley.schemas.Reply;
import dev.parley.schemas.codec.WireJson;
import dev.parley.testkit.ParleyInfra;
import dev.parley.testkit.junit.ParleyInfraExtension;
import dev.parley.worker.EngineExtension.Engines;
import dev.parley.worker.engine.InferenceEngine;
import dev.parley.worker.metrics.ParleyMeter;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The same request id twice: one history entry, one generation, the same reply. */
@ExtendWith({ParleyInfraExtension.class, EngineExtension.class})
class IdempotencyTest {

    private static final GenerationParams SHORT = GenerationParams.DEFAULTS.withMaxTokens(16).withTemperature(0.9);

    @ParameterizedTest(name = "{0} engine")
    @ValueSource(strings = {"java", "native"})
    void resendingARequestIdRepublishesTheStoredReply(String engineKind, ParleyInfra infra, Engines engines) throws Exception {
        InferenceEngine engine = engines.get(engineKind);
        try (WorkerHarness harness = new WorkerHarness(infra, 2)) {
            harness.startWorker("idem-worker", engine);
            ParleyClient client = harness.client();
            String conversation = harness.prefix + "-idem";
            SendOptions options = SendOptions.builder().requestId("req-once").params(SHORT).build();

            Reply first = client.send(conversation, "Tell me a random word.", options).join();
            double completionTokens = completionTokens(harness);
            Reply again = client.send(conversation, "Tell me a random word.", options).join();

            assertThat(again.content()).isEqualTo(first.content());
            assertThat(again.turn()).isEqualTo(first.turn()).isEqualTo(1);
            assertThat(again.usage()).isEqualTo(first.usage());
            assertThat(harness.history(conversation)).hasSize(1);
            assertThat(completionTokens(harness)).as("no second generation").isEqualTo(completionTokens);
            assertThat(harness.registry.get(ParleyMeter.TURNS_REPLAYED.meterName()).counter().count()).isEqualTo(1);
        }
    }

    @ParameterizedTest(name = "{0} engine")
    @ValueSource(strings = {"java", "native"})
    void aDuplicateRecordIsAnsweredOnceAsSeenByTheClient(String engineKind, ParleyInfra infra, Engines engines) throws Exception {
        InferenceEngine engine = engines.get(engineKind);
        try (WorkerHarness harness = new WorkerHarness(infra, 1)) {
            harness.startWorker("dup-worker", engine);
            ParleyClient client = harness.client();
            String conversation = harness.prefix + "-dup";
            Prompt prompt = Prompt.of("req-dup", conversation, "Hello!").newBuilder()
                    .replyTo(harness.repliesTopic()).params(SHORT).build();

            // The same record twice in a row, as a producer retry or a redelivery would leave it.
            var reply = client.send(prompt);
            harness.sendRaw(conversation, WireJson.toBytes(prompt));

            assertThat(reply.join().turn()).isEqualTo(1);
            await().atMost(Duration.ofSeconds(60)).until(() -> client.duplicateRepliesDropped() == 1);
            assertThat(harness.history(conversation)).hasSize(1);
            List<Reply> published = harness.readAll(harness.repliesTopic(), 2, Duration.ofSeconds(30)).stream()
                    .map(r -> WireJson.fromBytes(r.value(), Reply.class)).toList();
            assertThat(published).hasSize(2);
            assertThat(published.get(1).content()).isEqualTo(published.get(0).content());
        }
    }

    private static double completionTokens(WorkerHarness harness) {
        return harness.registry.get(ParleyMeter.COMPLETION_TOKENS.meterName()).counter().count();
    }
}
