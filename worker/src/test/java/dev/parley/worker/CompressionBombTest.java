package dev.parley.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.schemas.Prompt;
import dev.parley.schemas.codec.WireJson;
import dev.parley.testkit.ParleyInfra;
import dev.parley.testkit.junit.ParleyInfraExtension;
import dev.parley.testkit.kafka.CompressionBomb;
import dev.parley.worker.intake.TopicProvisioner;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The audit's C3 drill: zstd batches of a few kilobytes whose one record decompresses to 1 and 1.5 GiB, on both
 * partitions of the prompts topic, between valid prompts, read by a worker process with a 256 MiB heap. The Kafka
 * client allocates each record's body at its decompressed size inside {@code poll()}, so the poll fails with
 * {@link OutOfMemoryError}; the worker finds each such record, dead-letters it by its position
 * ({@code unreadable_record}), answers every valid prompt on both sides of it, commits to the end of every partition
 * and keeps running.
 */
@ExtendWith(ParleyInfraExtension.class)
class CompressionBombTest {

    private static final long GIB = 1L << 30;

    @Test
    void aCompressionBombIsDeadLetteredByPositionAndEveryPartitionFlows(ParleyInfra infra,
            ParleyInfraExtension.TestModels models) throws Exception {
        String prefix = "bomb" + System.nanoTime();
        String prompts = prefix + ".prompts";
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", infra.bootstrapServers()))) {
            TopicProvisioner.ensure(admin, List.of(prompts, prefix + ".replies", prefix + ".dlq", prefix + ".control"),
                    2, (short) -1);
        }
        String[] hostPort = infra.bootstrapServers().split(",")[0].split(":");
        Set<String> requestIds = new HashSet<>();
        Set<String> bombs = new HashSet<>();
        try (var producer = new KafkaProducer<>(Map.<String, Object>of("bootstrap.servers", infra.bootstrapServers()),
                new StringSerializer(), new ByteArraySerializer())) {
            for (int partition = 0; partition < 2; partition++) {
                for (int i = 0; i < 3; i++) {
                    // before, between and after the two bombs of this partition, acknowledged in turn: order matters
                    String id = "p" + partition + "-" + i;
                    producer.send(new ProducerRecord<>(prompts, partition, "c-" + id,
                            WireJson.toBytes(Prompt.of(id, "c-" + id, "hi")))).get();
                    requestIds.add(id);
                    if (i < 2) {
                        long size = i == 0 ? GIB : GIB + GIB / 2;
                        long offset = CompressionBomb.send(hostPort[0], Integer.parseInt(hostPort[1]), prompts,
                                partition, "bomb", size);
                        bombs.add(partition + "@" + offset);
                    }
                }
            }
        }
        List<String> arguments = new ArrayList<>(List.of("--bootstrap", infra.bootstrapServers(),
                "--redis", infra.redisUri(), "--model", models.tiny().toString(), "--slots", "2",
                "--context-per-slot", "512", "--prompts-topic", prompts, "--replies-topic", prefix + ".replies",
                "--dlq-topic", prefix + ".dlq", "--control-topic", prefix + ".control", "--group-id", prefix,
                "--partitions", "2", "--http-port", "0", "--worker-id", "bombed", "--default-max-tokens", "4"));
        try (WorkerProcess worker = WorkerProcess.start(arguments, "256m");
             TopicOutcomes outcomes = new TopicOutcomes(infra.bootstrapServers(), prefix + ".replies",
                     prefix + ".dlq")) {
            worker.awaitReady(Duration.ofSeconds(120));
            outcomes.await(requestIds, bombs, Duration.ofSeconds(60), () -> worker.tail(80));
            TopicOutcomes.awaitCommittedToEnd(infra.bootstrapServers(), prefix, prompts, Duration.ofSeconds(30),
                    () -> worker.tail(80));

            assertThat(worker.awaitExit(Duration.ZERO)).as(worker.tail(80)).isFalse();
            assertThat(worker.output()).as("the drill reached the client's allocation").contains("OutOfMemoryError");
            for (String bomb : bombs) {
                var letter = outcomes.deadLetters.get(bomb);
                assertThat(letter.get("code").asString()).isEqualTo("unreadable_record");
                assertThat(letter.get("reason").asString()).contains("OutOfMemoryError");
            }
            assertThat(outcomes.deadLetters).hasSize(bombs.size());
            requestIds.forEach(id -> assertThat(outcomes.replies.get(id)).as(id).hasSize(1));
        }
    }
}
