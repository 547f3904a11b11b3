package dev.parley.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.client.ParleyClient;
import dev.parley.client.SendOptions;
import dev.parley.schemas.GenerationParams;
import dev.parley.schemas.Reply;
import dev.parley.schemas.codec.WireJson;
import dev.parley.testkit.ParleyInfra;
import dev.parley.testkit.junit.ParleyInfraExtension;
import dev.parley.worker.engine.cpp.NativeEngine;
import dev.parley.worker.engine.cpp.NativeEngineConfig;
import dev.parley.worker.metrics.ParleyMeter;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;

/**
 * Through a worker on the native engine, real Kafka and Redis: new conversations with the same system prompt are
 * answered from its shared prefix, and their replies say so in {@code usage.prefix_tokens}, on the wire and in metrics.
 */
@ExtendWith(ParleyInfraExtension.class)
class SharedPrefixEndToEndTest {

    private static final GenerationParams GREEDY = GenerationParams.DEFAULTS.withMaxTokens(12).withTemperature(0)
            .withSeed(1);
    private static final String SYSTEM = "You are the booking assistant of a small hotel by the sea. Answer in one "
            + "short sentence. Breakfast is served from seven to ten in the garden room. Check-in is from three in the "
            + "afternoon, check-out until eleven. Pets are welcome for a small fee. For anything else, ask the guest "
            + "to call the front desk.";

    @Test
    void repliesOfConversationsSharingASystemPromptCarryPrefixTokens(ParleyInfra infra,
                                                                      ParleyInfraExtension.TestModels models)
            throws Exception {
        try (NativeEngine engine = NativeEngine.load(NativeEngineConfig.forModel(models.real(),
                EngineExtension.libraries()).withSlots(2).withContextPerSlot(1024));
             WorkerHarness harness = new WorkerHarness(infra, 2)) {
            harness.startWorker("worker-prefix", engine);
            ParleyClient client = harness.client();
            SendOptions options = SendOptions.builder().system(SYSTEM).params(GREEDY).build();

            Reply first = client.send(harness.prefix + "-first", "When is breakfast?", options).join();
            Reply second = client.send(harness.prefix + "-second", "Can I bring my dog?", options).join();
            Reply third = client.send(harness.prefix + "-third", "When do I have to leave?", options).join();

            assertThat(first.usage().prefixTokens()).isZero();
            assertThat(second.usage().prefixTokens()).isPositive().isEqualTo(second.usage().cachedTokens());
            assertThat(third.usage().prefixTokens()).isEqualTo(second.usage().prefixTokens());
            assertThat(third.usage().restoredTokens()).isZero();

            // On the wire, as any Kafka client reads it.
            List<ConsumerRecord<String, byte[]>> records = harness.readAll(harness.repliesTopic(), 3,
                    Duration.ofSeconds(30));
            JsonNode wire = records.stream().map(r -> WireJson.mapper().readTree(r.value()))
                    .filter(node -> node.path("request_id").asString().equals(second.requestId())).findFirst()
                    .orElseThrow();
            assertThat(wire.path("usage").path("prefix_tokens").asInt()).isEqualTo(second.usage().prefixTokens());

            assertThat(harness.registry.get(ParleyMeter.PREFIX_TOKENS.meterName()).counter().count())
                    .isEqualTo(second.usage().prefixTokens() * 2.0);
            assertThat(harness.registry.get(ParleyMeter.KV_PREFIX_HITS.meterName()).functionCounter().count())
                    .isEqualTo(2.0);
            assertThat(harness.registry.get(ParleyMeter.KV_PREFIX_MISSES.meterName()).functionCounter().count())
                    .isEqualTo(1.0);
            assertThat(harness.registry.get(ParleyMeter.KV_PREFIXES.meterName()).gauge().value()).isEqualTo(1.0);
            assertThat(harness.registry.get(ParleyMeter.KV_TIER.meterName()).tag("tier", "prefix").counter().count())
                    .isEqualTo(2.0);
        }
    }
}
