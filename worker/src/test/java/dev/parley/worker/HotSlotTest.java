package dev.parley.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.client.ParleyClient;
import dev.parley.client.SendOptions;
import dev.parley.schemas.ChatMessage;
import dev.parley.schemas.GenerationParams;
import dev.parley.schemas.Reply;
import dev.parley.testkit.ParleyInfra;
import dev.parley.testkit.junit.ParleyInfraExtension;
import dev.parley.worker.engine.Transcript;
import dev.parley.worker.engine.llama.LlamaCppEngine;
import dev.parley.worker.history.HistoryEntry;
import dev.parley.worker.metrics.ParleyMeter;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** With SmolLM2: a conversation that keeps its slot reuses its KV cache; one that lost it is rebuilt from history. */
@ExtendWith({ParleyInfraExtension.class, EngineExtension.class})
class HotSlotTest {

    private static final SendOptions GREEDY = SendOptions.builder()
            .params(GenerationParams.DEFAULTS.withMaxTokens(24).withTemperature(0)).build();

    @Test
    void aWarmTurnComputesOnlyItsNewTokensAndAnEvictedOneIsRehydrated(ParleyInfra infra, LlamaCppEngine engine)
            throws Exception {
        try (WorkerHarness harness = new WorkerHarness(infra, 2)) {
            harness.startWorker("hot-worker", engine);
            ParleyClient client = harness.client();
            String conversation = harness.prefix + "-hot";

            Reply first = client.send(conversation, "Tell me about the sea.", GREEDY).join();
            Reply second = client.send(conversation, "And about mountains?", GREEDY).join();

            int previous = first.usage().promptTokens() + first.usage().completionTokens();
            assertThat(second.usage().cachedTokens()).as("warm turn: %s", second.usage())
                    .isGreaterThanOrEqualTo((int) Math.ceil(0.9 * previous));

            // As many other conversations as there are slots take the slots over (least recently used first).
            for (int i = 0; i < engine.info().slots(); i++) {
                client.send(harness.prefix + "-other-" + i, "Say hi.", GREEDY).join();
            }
            assertThat(engine.slotOf(conversation)).as("evicted").isEqualTo(-1);
            double rehydrationsBefore = harness.registry.get(ParleyMeter.REHYDRATIONS.meterName()).counter().count();

            Reply third = client.send(conversation, "Which did you describe first?", GREEDY).join();

            assertThat(third.isOk()).isTrue();
            assertThat(third.content()).isNotBlank();
            assertThat(third.usage().cachedTokens()).as("cold turn: %s", third.usage())
                    .isLessThan(third.usage().promptTokens() / 5);
            List<HistoryEntry> history = harness.history(conversation);
            Transcript full = new Transcript(null, history.subList(0, 2).stream().map(HistoryEntry::toExchange).toList(),
                    List.of(ChatMessage.user("Which did you describe first?")));
            assertThat(third.usage().promptTokens()).as("the whole history was re-prefilled")
                    .isEqualTo(engine.tokenizeTranscript(full).length);
            assertThat(harness.registry.get(ParleyMeter.REHYDRATIONS.meterName()).counter().count())
                    .isEqualTo(rehydrationsBefore + 1);
        }
    }
}
