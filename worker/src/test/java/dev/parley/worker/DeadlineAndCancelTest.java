package dev.parley.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.client.ParleyClient;
import dev.parley.client.SendOptions;
import dev.parley.schemas.FinishReason;
import dev.parley.schemas.GenerationParams;
import dev.parley.schemas.Reply;
import dev.parley.schemas.ReplyStatus;
import dev.parley.testkit.ParleyInfra;
import dev.parley.testkit.junit.ParleyInfraExtension;
import dev.parley.worker.EngineExtension.Engines;
import dev.parley.worker.engine.InferenceEngine;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Deadlines and cancellation with the real model, through Kafka. */
@ExtendWith({ParleyInfraExtension.class, EngineExtension.class})
class DeadlineAndCancelTest {

    private static final GenerationParams LONG = GenerationParams.DEFAULTS.withMaxTokens(400).withTemperature(0.7);

    @ParameterizedTest(name = "{0} engine")
    @ValueSource(strings = {"java", "native"})
    void aPassedDeadlineExpiresAndOneThatPassesWhileGeneratingStopsIt(String engineKind, ParleyInfra infra, Engines engines)
            throws Exception {
        InferenceEngine engine = engines.get(engineKind);
        try (WorkerHarness harness = new WorkerHarness(infra, 2)) {
            harness.startWorker("deadline-worker", engine);
            ParleyClient client = harness.client();

            Reply expired = client.send(harness.prefix + "-late", "hello", SendOptions.builder()
                    .deadline(Instant.now().minusSeconds(1)).build()).join();
            Reply cut = client.send(harness.prefix + "-cut", "Write a very long essay about the ocean.", SendOptions.builder()
                    .params(LONG).deadline(Instant.now().plusMillis(1500)).build()).join();

            assertThat(expired.status()).isEqualTo(ReplyStatus.EXPIRED);
            assertThat(expired.finishReason()).isEqualTo(FinishReason.DEADLINE);
            assertThat(harness.history(harness.prefix + "-late")).isEmpty();
            assertThat(cut.status()).isEqualTo(ReplyStatus.OK);
            assertThat(cut.finishReason()).isEqualTo(FinishReason.DEADLINE);
            assertThat(cut.usage().completionTokens()).isBetween(1, 399);
        }
    }

    @ParameterizedTest(name = "{0} engine")
    @ValueSource(strings = {"java", "native"})
    void cancellingStopsAGenerationAndAQueuedTurnAndTheConversationGoesOn(String engineKind, ParleyInfra infra, Engines engines)
            throws Exception {
        InferenceEngine engine = engines.get(engineKind);
        try (WorkerHarness harness = new WorkerHarness(infra, 2)) {
            harness.startWorker("cancel-worker", engine);
            ParleyClient client = harness.client();
            String conversation = harness.prefix + "-c";
            CompletableFuture<Void> firstChunk = new CompletableFuture<>();

            CompletableFuture<Reply> running = client.send(conversation, "Write a very long story.",
                    SendOptions.builder().requestId(harness.prefix + "-long").params(LONG).build(),
                    chunk -> firstChunk.complete(null));
            CompletableFuture<Reply> queued = client.send(conversation, "And another one.",
                    SendOptions.builder().requestId(harness.prefix + "-queued").params(LONG).build());
            firstChunk.get(60, java.util.concurrent.TimeUnit.SECONDS);
            client.cancel(conversation, harness.prefix + "-queued").join();
            client.cancel(conversation, harness.prefix + "-long").join();

            Reply stopped = running.join();
            Reply skipped = queued.join();
            Reply next = client.send(conversation, "Say hi.", SendOptions.builder()
                    .params(GenerationParams.DEFAULTS.withMaxTokens(8)).build()).join();

            assertThat(stopped.status()).isEqualTo(ReplyStatus.CANCELLED);
            assertThat(stopped.finishReason()).isEqualTo(FinishReason.CANCELLED);
            assertThat(stopped.usage().completionTokens()).isBetween(1, 399);
            assertThat(skipped.status()).isEqualTo(ReplyStatus.CANCELLED);
            assertThat(skipped.usage().completionTokens()).as("never generated").isZero();
            assertThat(next.status()).isEqualTo(ReplyStatus.OK);
            assertThat(next.turn()).as("cancelled turns are not in the history").isEqualTo(1);
            assertThat(harness.history(conversation)).hasSize(1);
        }
    }
}
