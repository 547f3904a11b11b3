package dev.parley.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.client.ParleyClient;
import dev.parley.client.ReplyStream;
import dev.parley.client.SendOptions;
import dev.parley.schemas.Chunk;
import dev.parley.schemas.GenerationParams;
import dev.parley.schemas.Reply;
import dev.parley.testkit.ParleyInfra;
import dev.parley.testkit.junit.ParleyInfraExtension;
import dev.parley.worker.EngineExtension.Engines;
import dev.parley.worker.engine.InferenceEngine;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.stream.Collectors;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Streamed replies: chunks in order, batched, and the final content is exactly their concatenation. */
@ExtendWith({ParleyInfraExtension.class, EngineExtension.class})
class StreamingTest {

    private static final SendOptions LONG = SendOptions.builder()
            .params(GenerationParams.DEFAULTS.withMaxTokens(48).withTemperature(0)).build();

    @ParameterizedTest(name = "{0} engine")
    @ValueSource(strings = {"java", "native"})
    void chunksArriveInOrderAndAddUpToTheReply(String engineKind, ParleyInfra infra, Engines engines) throws Exception {
        InferenceEngine engine = engines.get(engineKind);
        try (WorkerHarness harness = new WorkerHarness(infra, 2)) {
            harness.startWorker("stream-worker", engine);
            ParleyClient client = harness.client();
            List<Chunk> chunks = new CopyOnWriteArrayList<>();

            Reply reply = client.send(harness.prefix + "-s", "Tell me a long story about a fox.", LONG, chunks::add).join();

            assertThat(reply.isOk()).isTrue();
            assertThat(chunks).extracting(Chunk::seq).containsExactlyElementsOf(
                    java.util.stream.IntStream.range(0, chunks.size()).boxed().toList());
            assertThat(chunks).allSatisfy(c -> assertThat(c.attempt()).isEqualTo(1));
            assertThat(chunks.stream().map(Chunk::delta).collect(Collectors.joining())).isEqualTo(reply.content());
            assertThat(chunks.size()).as("batched, not one record per token")
                    .isBetween(2, reply.usage().completionTokens() - 1);
            assertThat(harness.history(harness.prefix + "-s").get(0).answer()).isEqualTo(reply.content());
        }
    }

    @ParameterizedTest(name = "{0} engine")
    @ValueSource(strings = {"java", "native"})
    void aFlowPublisherDeliversTheSameChunks(String engineKind, ParleyInfra infra, Engines engines) throws Exception {
        InferenceEngine engine = engines.get(engineKind);
        try (WorkerHarness harness = new WorkerHarness(infra, 2)) {
            harness.startWorker("flow-worker", engine);
            ParleyClient client = harness.client();

            ReplyStream stream = client.stream(harness.prefix + "-f", "Describe the sea in detail.", LONG);
            StringBuilder text = new StringBuilder();
            CompletableFuture<Void> completed = new CompletableFuture<>();
            stream.chunks().subscribe(new Flow.Subscriber<>() {
                @Override
                public void onSubscribe(Flow.Subscription subscription) {
                    subscription.request(Long.MAX_VALUE);
                }

                @Override
                public void onNext(Chunk chunk) {
                    text.append(chunk.delta());
                }

                @Override
                public void onError(Throwable error) {
                    completed.completeExceptionally(error);
                }

                @Override
                public void onComplete() {
                    completed.complete(null);
                }
            });

            Reply reply = stream.reply().join();
            completed.join();
            assertThat(reply.isOk()).isTrue();
            assertThat(text.toString()).isNotEmpty().isEqualTo(reply.content());
            assertThat(stream.requestId()).isEqualTo(reply.requestId());
        }
    }
}
