package dev.parley.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.parley.client.ParleyClient;
import dev.parley.client.ParleyTimeoutException;
import dev.parley.client.SendOptions;
import dev.parley.schemas.GenerationParams;
import dev.parley.schemas.Prompt;
import dev.parley.schemas.codec.WireJson;
import dev.parley.schemas.Reply;
import dev.parley.testkit.ParleyInfra;
import dev.parley.testkit.junit.ParleyInfraExtension;
import dev.parley.worker.engine.llama.LlamaCppEngine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Replies reach the client that asked, among several instances of a service sharing one reply topic. */
@ExtendWith({ParleyInfraExtension.class, EngineExtension.class})
class ReplyRoutingTest {

    private static final SendOptions SHORT = SendOptions.builder()
            .params(GenerationParams.DEFAULTS.withMaxTokens(4)).build();

    @Test
    void twoInstancesOfAServiceEachGetOnlyTheirOwnReplies(ParleyInfra infra, @EngineExtension.Tiny LlamaCppEngine engine)
            throws Exception {
        try (WorkerHarness harness = new WorkerHarness(infra, 4)) {
            harness.startWorker("routing-worker", engine);
            ParleyClient a = harness.client();
            ParleyClient b = harness.client();
            List<CompletableFuture<Reply>> fromA = new ArrayList<>();
            List<CompletableFuture<Reply>> fromB = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                fromA.add(a.send(harness.prefix + "-a" + i, "hi from a", SHORT));
                fromB.add(b.send(harness.prefix + "-b" + i, "hi from b", SHORT));
            }

            for (int i = 0; i < 10; i++) {
                assertThat(fromA.get(i).join().conversationId()).isEqualTo(harness.prefix + "-a" + i);
                assertThat(fromB.get(i).join().conversationId()).isEqualTo(harness.prefix + "-b" + i);
            }
            assertThat(a.pendingRequests()).isZero();
            assertThat(b.pendingRequests()).isZero();
            // Each saw the other's replies on the shared topic and ignored them.
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> a.foreignRepliesIgnored() == 10 && b.foreignRepliesIgnored() == 10);
        }
    }

    @Test
    void aTimedOutRequestRetriedWithItsIdGetsTheOneAnswer(ParleyInfra infra, @EngineExtension.Tiny LlamaCppEngine engine)
            throws Exception {
        try (WorkerHarness harness = new WorkerHarness(infra, 2)) {
            harness.createTopics();
            ParleyClient client = harness.client();
            String conversation = harness.prefix + "-retry";
            SendOptions impatient = SHORT.newBuilder().requestId("retry-me").timeout(Duration.ofMillis(300)).build();

            // No worker yet: the first attempt times out, but the prompt waits on the topic.
            assertThatThrownBy(() -> client.send(conversation, "hello", impatient).join())
                    .isInstanceOf(CompletionException.class).hasCauseInstanceOf(ParleyTimeoutException.class);
            harness.startWorker("late-worker", engine);
            Reply reply = client.send(conversation, "hello", SHORT.newBuilder().requestId("retry-me").build()).join();

            assertThat(reply.requestId()).isEqualTo("retry-me");
            assertThat(harness.history(conversation)).as("the retry did not add a turn").hasSize(1);
        }
    }

    /** M5: a worker with reply-to-prefixes refuses a reply_to outside them: dead letter, nothing written there. */
    @Test
    void aReplyToOutsideTheAllowedPrefixesIsDeadLetteredAndNothingIsWrittenThere(ParleyInfra infra,
            @EngineExtension.Tiny LlamaCppEngine engine) throws Exception {
        try (WorkerHarness harness = new WorkerHarness(infra, 1)) {
            harness.startWorker(harness.config("allow-list-worker")
                    .replyToPrefixes(List.of(harness.repliesTopic())).build(), engine);
            ParleyClient client = harness.client();
            String conversation = harness.prefix + "-outside";
            String elsewhere = harness.controlTopic(); // exists, and is nobody's reply topic
            Prompt prompt = Prompt.of("outside-1", conversation, "hi").newBuilder().replyTo(elsewhere)
                    .params(GenerationParams.DEFAULTS.withMaxTokens(4)).build();
            harness.sendRaw(conversation, WireJson.toBytes(prompt));

            // The same conversation's next turn is answered after the refused one was finished.
            assertThat(client.send(conversation, "still here?", SHORT).join().isOk()).isTrue();

            assertThat(harness.deadLetters(1, Duration.ofSeconds(60))).singleElement().satisfies(letter -> {
                assertThat(letter.code()).isEqualTo("reply_undeliverable");
                assertThat(letter.reason()).contains(elsewhere).contains("outside reply-to-prefixes");
            });
            assertThat(harness.readAll(elsewhere, 1, Duration.ofSeconds(5))).as("nothing written there").isEmpty();
        }
    }
}
