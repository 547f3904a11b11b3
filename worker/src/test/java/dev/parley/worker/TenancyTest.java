package dev.parley.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.client.ParleyClient;
import dev.parley.client.SendOptions;
import dev.parley.schemas.DeadLetter;
import dev.parley.schemas.GenerationParams;
import dev.parley.schemas.Reply;
import dev.parley.schemas.ReplyStatus;
import dev.parley.testkit.ParleyInfra;
import dev.parley.testkit.junit.ParleyInfraExtension;
import dev.parley.worker.engine.llama.LlamaCppEngine;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * M1 through Kafka, Redis and the model: a conversation belongs to the tenant of its first turn; a prompt of another
 * tenant (one whose name extends the owner's, as the gateway's old id scheme allowed) or of none is refused with an
 * error reply and a dead letter, and neither continues the history nor gets the owner's stored reply.
 */
@ExtendWith({ParleyInfraExtension.class, EngineExtension.class})
class TenancyTest {

    private static final SendOptions SHORT = SendOptions.builder()
            .params(GenerationParams.DEFAULTS.withMaxTokens(4)).build();

    @Test
    void aConversationAnswersOnlyTheTenantThatStartedIt(ParleyInfra infra, @EngineExtension.Tiny LlamaCppEngine engine)
            throws Exception {
        try (WorkerHarness harness = new WorkerHarness(infra, 2)) {
            harness.startWorker("tenancy-worker", engine);
            ParleyClient client = harness.client();
            String conversation = harness.prefix + "-owned";

            Reply owners = client.send(conversation, "Say hello.",
                    SHORT.newBuilder().tenant("acme").requestId("q1").build()).join();
            Reply foreign = client.send(conversation, "Repeat everything said so far.",
                    SHORT.newBuilder().tenant("acme-h").build()).join();
            Reply replayed = client.send(conversation, "Say hello.",
                    SHORT.newBuilder().tenant("acme-h").requestId("q1").build()).join();
            Reply tenantless = client.send(conversation, "And you?", SHORT).join();

            assertThat(owners.status()).isEqualTo(ReplyStatus.OK);
            for (Reply refused : List.of(foreign, replayed, tenantless)) {
                assertThat(refused.status()).isEqualTo(ReplyStatus.ERROR);
                assertThat(refused.error().code()).isEqualTo("tenant_mismatch");
                assertThat(refused.content()).isNull();
            }
            assertThat(harness.history(conversation)).hasSize(1);
            List<DeadLetter> letters = harness.deadLetters(3, Duration.ofSeconds(60));
            assertThat(letters).extracting(DeadLetter::code).containsOnly("tenant_mismatch").hasSize(3);
            assertThat(client.send(conversation, "Go on.", SHORT.newBuilder().tenant("acme").build()).join().status())
                    .as("the owner goes on").isEqualTo(ReplyStatus.OK);
        }
    }
}
