package dev.parley.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.schemas.Reply;
import dev.parley.schemas.codec.WireJson;
import dev.parley.testkit.ParleyInfra;
import dev.parley.testkit.junit.ParleyInfraExtension;
import dev.parley.worker.engine.cpp.NativeEngine;
import dev.parley.worker.history.HistoryEntry;
import dev.parley.worker.metrics.ParleyMeter;
import io.micrometer.core.instrument.Counter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A producer whose partitioner is not Kafka's murmur2 (librdkafka's default CRC32, say) puts a conversation's turns on
 * partitions that two workers own. The worker that finds a misplaced record forwards it to the partition murmur2
 * chooses, so the conversation's turns still run one at a time and are numbered in the order they reach it.
 */
@ExtendWith({ParleyInfraExtension.class, EngineExtension.class})
class MisplacedRecordTest {

    private static final int PARTITIONS = 4;
    private static final int TURNS = 12;

    @Test
    void turnsOnTheWrongPartitionAreForwardedAndStillRunOneAtATime(ParleyInfra infra,
            @EngineExtension.Tiny NativeEngine engine) throws Exception {
        try (WorkerHarness harness = new WorkerHarness(infra, PARTITIONS)) {
            harness.createTopics();
            ObservingEngine.Observer observer = new ObservingEngine.Observer();
            Worker first = harness.startWorker("placement-1", new ObservingEngine(engine, observer));
            Worker second = harness.startWorker("placement-2", new ObservingEngine(engine, observer));
            long started = System.nanoTime();
            while (!(first.readiness().ready() && second.readiness().ready())) {
                assertThat(System.nanoTime() - started).as("both workers ready").isLessThan(120_000_000_000L);
                Thread.sleep(50);
            }

            String conversation = "misplaced-" + System.nanoTime();
            int right = Utils.toPositive(Utils.murmur2(conversation.getBytes(StandardCharsets.UTF_8))) % PARTITIONS;
            List<String> requests = new ArrayList<>();
            int misplaced = 0;
            try (var producer = new KafkaProducer<>(Map.<String, Object>of("bootstrap.servers",
                    infra.bootstrapServers()), new StringSerializer(), new ByteArraySerializer())) {
                for (int t = 0; t < TURNS; t++) {
                    String requestId = conversation + "-t" + t;
                    requests.add(requestId);
                    // every other turn on one of the three wrong partitions in turn: one of them is the other worker's
                    int partition = t % 2 == 0 ? right : (right + 1 + (t / 2) % (PARTITIONS - 1)) % PARTITIONS;
                    misplaced += partition == right ? 0 : 1;
                    byte[] prompt = ("{\"request_id\":\"" + requestId + "\",\"conversation_id\":\"" + conversation
                            + "\",\"messages\":[{\"role\":\"user\",\"content\":\"turn " + t + "\"}],"
                            + "\"params\":{\"max_tokens\":4}}").getBytes(StandardCharsets.UTF_8);
                    producer.send(new ProducerRecord<>(harness.promptsTopic(), partition, conversation, prompt));
                }
            }

            List<Reply> replies = harness.readAll(harness.repliesTopic(), TURNS, Duration.ofMinutes(3)).stream()
                    .map(r -> WireJson.fromBytes(r.value(), Reply.class)).filter(r -> r.status() != null).toList();
            assertThat(replies).hasSize(TURNS).allMatch(Reply::isOk);
            assertThat(replies).extracting(Reply::requestId).containsExactlyInAnyOrderElementsOf(requests);
            List<HistoryEntry> history = harness.history(conversation);
            assertThat(history).extracting(HistoryEntry::requestId).containsExactlyInAnyOrderElementsOf(requests);
            Set<Integer> turns = new HashSet<>();
            for (Reply reply : replies) {
                assertThat(turns.add(reply.turn())).as("turn %d numbered once", reply.turn()).isTrue();
                assertThat(history.get(reply.turn() - 1).requestId()).as("reply turn = history position")
                        .isEqualTo(reply.requestId());
            }
            assertThat(observer.violations).as("two turns of one conversation at once").isEmpty();
            double forwarded = harness.registry.find(ParleyMeter.PROMPTS_FORWARDED.meterName()).counters().stream()
                    .mapToDouble(Counter::count).sum();
            assertThat(forwarded).isEqualTo(misplaced);
        }
    }
}
