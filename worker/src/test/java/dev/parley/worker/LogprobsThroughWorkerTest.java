package dev.parley.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.client.ParleyClient;
import dev.parley.client.SendOptions;
import dev.parley.schemas.ChatMessage;
import dev.parley.schemas.Chunk;
import dev.parley.schemas.GenerationParams;
import dev.parley.schemas.Prompt;
import dev.parley.schemas.Reply;
import dev.parley.schemas.ReplyStatus;
import dev.parley.schemas.TokenLogprob;
import dev.parley.testkit.ParleyInfra;
import dev.parley.testkit.junit.ParleyInfraExtension;
import dev.parley.worker.EngineExtension.Tiny;
import dev.parley.worker.engine.cpp.NativeEngine;
import dev.parley.worker.engine.llama.LlamaCppEngine;
import dev.parley.worker.history.HistoryEntry;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Log probabilities through a worker: Kafka, the native engine on the real small model, Redis. The reply and the
 * stream's chunks carry one entry per generated token, the chunks' adding up to the reply's; the history keeps the
 * answer only. The java engine refuses them with a clear error.
 */
@ExtendWith({ParleyInfraExtension.class, EngineExtension.class})
class LogprobsThroughWorkerTest {

    private static final GenerationParams GREEDY = GenerationParams.DEFAULTS.withMaxTokens(24).withTemperature(0)
            .withRepeatPenalty(1.0);

    private static String joined(List<TokenLogprob> entries) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        entries.forEach(e -> e.bytes().forEach(bytes::write));
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aStreamedReplyAndItsChunksCarryTheLogprobsOfEachToken(ParleyInfra infra, NativeEngine engine)
            throws Exception {
        try (WorkerHarness harness = new WorkerHarness(infra, 2)) {
            harness.startWorker("logprobs-worker", engine);
            ParleyClient client = harness.client();
            String conversation = harness.prefix + "-logprobs";
            List<Chunk> chunks = new CopyOnWriteArrayList<>();

            Reply reply = client.sendStreamed(Prompt.builder().requestId(conversation + "-0")
                    .conversationId(conversation).messages(List.of(ChatMessage.user("What is the capital of France?")))
                    .params(GREEDY.withLogprobs(3)).stream(true).build(), Duration.ofMinutes(2), chunks::add).join();
            Reply plain = client.send(conversation, "And of Italy?", SendOptions.builder().params(GREEDY).build())
                    .join();

            assertThat(reply.status()).as("%s", reply.error()).isEqualTo(ReplyStatus.OK);
            List<TokenLogprob> entries = reply.logprobs();
            assertThat(entries).hasSize(reply.usage().completionTokens());
            assertThat(joined(entries)).isEqualTo(reply.content());
            assertThat(entries).allSatisfy(entry -> {
                assertThat(entry.topLogprobs()).hasSize(3);
                assertThat(entry.topLogprobs().get(0).token()).isEqualTo(entry.token()); // greedy, no penalty
            });
            assertThat(chunks.stream().map(Chunk::logprobs).filter(Objects::nonNull).flatMap(List::stream).toList())
                    .isEqualTo(entries);
            assertThat(plain.status()).isEqualTo(ReplyStatus.OK);
            assertThat(plain.logprobs()).isNull();
            assertThat(harness.history(conversation)).extracting(HistoryEntry::answer)
                    .containsExactly(reply.content(), plain.content());
        }
    }

    @Test
    void theJavaEngineRefusesLogprobsWithAClearError(ParleyInfra infra, @Tiny LlamaCppEngine engine)
            throws Exception {
        try (WorkerHarness harness = new WorkerHarness(infra, 1)) {
            harness.startWorker("java-logprobs-worker", engine);
            ParleyClient client = harness.client();
            String conversation = harness.prefix + "-java-logprobs";

            Reply refused = client.send(conversation, "Hello.", SendOptions.builder()
                    .params(GenerationParams.DEFAULTS.withMaxTokens(4).withLogprobs(2)).build()).join();
            Reply text = client.send(conversation, "Hello again.", SendOptions.builder()
                    .params(GenerationParams.DEFAULTS.withMaxTokens(4)).build()).join();

            assertThat(refused.status()).isEqualTo(ReplyStatus.ERROR);
            assertThat(refused.error().code()).isEqualTo("unsupported_feature");
            assertThat(refused.error().message()).contains("java engine").contains("logprobs").contains("native");
            assertThat(text.status()).isEqualTo(ReplyStatus.OK);
            assertThat(harness.history(conversation)).hasSize(1);
        }
    }
}
