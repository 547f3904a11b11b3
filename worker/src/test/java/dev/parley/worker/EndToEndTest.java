package dev.parley.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.client.ParleyClient;
import dev.parley.client.SendOptions;
import dev.parley.schemas.GenerationParams;
import dev.parley.schemas.Reply;
import dev.parley.schemas.ReplyStatus;
import dev.parley.testkit.ParleyInfra;
import dev.parley.testkit.junit.ParleyInfraExtension;
import dev.parley.worker.EngineExtension.Engines;
import dev.parley.worker.engine.InferenceEngine;
import dev.parley.worker.history.HistoryEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Kafka → worker with the real small model → Redis history → reply → SDK. */
@ExtendWith({ParleyInfraExtension.class, EngineExtension.class})
class EndToEndTest {

    private static final GenerationParams SHORT = GenerationParams.DEFAULTS.withMaxTokens(24).withTemperature(0);

    @ParameterizedTest(name = "{0} engine")
    @ValueSource(strings = {"java", "native"})
    void threeConversationsOfThreeTurnsEachAreAnsweredInOrder(String engineKind, ParleyInfra infra, Engines engines) throws Exception {
        InferenceEngine engine = engines.get(engineKind);
        try (WorkerHarness harness = new WorkerHarness(infra, 3)) {
            harness.startWorker("e2e-worker", engine);
            ParleyClient client = harness.client();
            List<String> conversations = List.of(harness.prefix + "-ann", harness.prefix + "-bob", harness.prefix + "-cy");
            String[] questions = {"Hi! Name a color.", "Name a fruit of that color.", "Say goodbye."};

            List<List<Reply>> replies = new ArrayList<>();
            conversations.forEach(c -> replies.add(new ArrayList<>()));
            for (int turn = 0; turn < questions.length; turn++) {
                // The conversations' turns run concurrently; each conversation's next turn waits for its reply.
                List<CompletableFuture<Reply>> round = new ArrayList<>();
                for (String conversation : conversations) {
                    round.add(client.send(conversation, questions[turn],
                            SendOptions.builder().requestId(conversation + "-" + turn).params(SHORT).build()));
                }
                for (int c = 0; c < conversations.size(); c++) {
                    replies.get(c).add(round.get(c).join());
                }
            }

            for (int c = 0; c < conversations.size(); c++) {
                String conversation = conversations.get(c);
                List<Reply> answers = replies.get(c);
                for (int turn = 0; turn < questions.length; turn++) {
                    Reply reply = answers.get(turn);
                    assertThat(reply.status()).as(reply.toString()).isEqualTo(ReplyStatus.OK);
                    assertThat(reply.requestId()).isEqualTo(conversation + "-" + turn);
                    assertThat(reply.conversationId()).isEqualTo(conversation);
                    assertThat(reply.turn()).isEqualTo(turn + 1);
                    assertThat(reply.content()).isNotBlank();
                    assertThat(reply.usage().completionTokens()).isBetween(1, 24);
                    assertThat(reply.usage().promptTokens()).isPositive();
                    assertThat(reply.model()).isEqualTo(engine.info().model());
                    assertThat(reply.worker()).isEqualTo("e2e-worker");
                    assertThat(reply.droppedTurns() == null ? 0 : reply.droppedTurns()).isZero();
                    if (turn > 0) {
                        // the earlier turns are part of the prompt, so it grows by at least the previous answer
                        assertThat(reply.usage().promptTokens()).isGreaterThan(
                                answers.get(turn - 1).usage().promptTokens()
                                        + answers.get(turn - 1).usage().completionTokens());
                    }
                }
                List<HistoryEntry> history = harness.history(conversation);
                assertThat(history).extracting(HistoryEntry::turn).containsExactly(1, 2, 3);
                assertThat(history).extracting(HistoryEntry::requestId)
                        .containsExactly(conversation + "-0", conversation + "-1", conversation + "-2");
                assertThat(history).extracting(e -> e.messages().get(0).content()).containsExactly(questions);
                assertThat(history).extracting(HistoryEntry::answer)
                        .containsExactlyElementsOf(answers.stream().map(Reply::content).toList());
            }
            assertThat(client.duplicateRepliesDropped()).isZero();
        }
    }
}
