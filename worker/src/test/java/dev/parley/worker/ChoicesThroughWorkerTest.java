package dev.parley.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.client.ParleyClient;
import dev.parley.client.SendOptions;
import dev.parley.schemas.ChatMessage;
import dev.parley.schemas.Choice;
import dev.parley.schemas.Chunk;
import dev.parley.schemas.GenerationParams;
import dev.parley.schemas.Prompt;
import dev.parley.schemas.Reply;
import dev.parley.schemas.ReplyStatus;
import dev.parley.testkit.ParleyInfra;
import dev.parley.testkit.junit.ParleyInfraExtension;
import dev.parley.worker.EngineExtension.Tiny;
import dev.parley.worker.engine.cpp.NativeEngine;
import dev.parley.worker.engine.llama.LlamaCppEngine;
import dev.parley.worker.history.HistoryEntry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Several answers to one prompt ({@code params.n}) through a worker: Kafka, the native engine on the real small model,
 * Redis. The reply lists every answer, the streamed chunks of each index add up to it, the history keeps the first
 * only. The java engine refuses {@code n} > 1 with a clear error.
 */
@ExtendWith({ParleyInfraExtension.class, EngineExtension.class})
class ChoicesThroughWorkerTest {

    @Test
    void aStreamedReplyListsEveryAnswerAndTheHistoryKeepsTheFirst(ParleyInfra infra, NativeEngine engine)
            throws Exception {
        try (WorkerHarness harness = new WorkerHarness(infra, 2)) {
            harness.startWorker("choices-worker", engine);
            ParleyClient client = harness.client();
            String conversation = harness.prefix + "-choices";
            List<Chunk> chunks = new CopyOnWriteArrayList<>();
            GenerationParams three = GenerationParams.DEFAULTS.withMaxTokens(12).withTemperature(1.0).withSeed(3)
                    .withLogprobs(0).withN(3);

            Reply reply = client.sendStreamed(Prompt.builder().requestId(conversation + "-0")
                    .conversationId(conversation).messages(List.of(ChatMessage.user("Describe the sea.")))
                    .params(three).stream(true).build(), Duration.ofMinutes(2), chunks::add).join();
            Reply next = client.send(conversation, "And the sky?", SendOptions.builder()
                    .params(GenerationParams.DEFAULTS.withMaxTokens(4)).build()).join();

            assertThat(reply.status()).as("%s", reply.error()).isEqualTo(ReplyStatus.OK);
            assertThat(reply.choices()).extracting(Choice::index).containsExactly(0, 1, 2);
            Choice first = reply.choices().get(0);
            assertThat(first.content()).isEqualTo(reply.content());
            assertThat(first.finishReason()).isEqualTo(reply.finishReason());
            assertThat(reply.usage().completionTokens()).isEqualTo(reply.choices().stream()
                    .mapToInt(Choice::completionTokens).sum());
            assertThat(reply.logprobs()).hasSize(first.completionTokens());
            assertThat(reply.choices().subList(1, 3)).allSatisfy(choice ->
                    assertThat(choice.logprobs()).hasSize(choice.completionTokens()));
            var streamed = chunks.stream().collect(Collectors.groupingBy(Chunk::choice,
                    Collectors.mapping(Chunk::delta, Collectors.joining())));
            for (Choice choice : reply.choices()) {
                assertThat(streamed.get(choice.index())).as("answer %d streamed", choice.index())
                        .isEqualTo(choice.content());
            }
            assertThat(next.status()).isEqualTo(ReplyStatus.OK);
            assertThat(next.choices()).isNull();
            assertThat(harness.history(conversation)).extracting(HistoryEntry::answer)
                    .containsExactly(reply.content(), next.content());
        }
    }

    @Test
    void theJavaEngineRefusesSeveralAnswersWithAClearError(ParleyInfra infra, @Tiny LlamaCppEngine engine)
            throws Exception {
        try (WorkerHarness harness = new WorkerHarness(infra, 1)) {
            harness.startWorker("java-choices-worker", engine);
            ParleyClient client = harness.client();
            String conversation = harness.prefix + "-java-choices";

            Reply refused = client.send(conversation, "Hello.", SendOptions.builder()
                    .params(GenerationParams.DEFAULTS.withMaxTokens(4).withN(2)).build()).join();
            Reply text = client.send(conversation, "Hello again.", SendOptions.builder()
                    .params(GenerationParams.DEFAULTS.withMaxTokens(4)).build()).join();

            assertThat(refused.status()).isEqualTo(ReplyStatus.ERROR);
            assertThat(refused.error().code()).isEqualTo("unsupported_feature");
            assertThat(refused.error().message()).contains("java engine").contains("n=2").contains("native");
            assertThat(text.status()).isEqualTo(ReplyStatus.OK);
            assertThat(harness.history(conversation)).hasSize(1);
        }
    }
}
