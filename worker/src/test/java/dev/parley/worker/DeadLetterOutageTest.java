package dev.parley.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.client.ParleyClient;
import dev.parley.client.SendOptions;
import dev.parley.schemas.GenerationParams;
import dev.parley.schemas.Reply;
import dev.parley.testkit.ParleyInfra;
import dev.parley.testkit.junit.ParleyInfraExtension;
import dev.parley.worker.engine.cpp.NativeEngine;
import dev.parley.worker.intake.TopicProvisioner;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * M12: the dead-letter topic is missing ({@code create-topics=false}) while bad records arrive. Their dead letters
 * wait at most {@code relay-max-block} each on a thread of their own, fail, and are retried with backoff (counted);
 * the poll loop keeps polling and the valid prompts behind them, on the same partitions, are answered. Once the topic
 * exists the dead letters arrive and every partition commits to its end. Meanwhile health tells the truth (M4): the
 * partitions' commits are held below the unsent dead letters, and the "commits" part says so after stall-timeout,
 * naming a partition and offset, while "intake" (the poll loop) stays healthy.
 */
@ExtendWith({ParleyInfraExtension.class, EngineExtension.class})
class DeadLetterOutageTest {

    private static final int BAD = 6;

    @Test
    void aMissingDeadLetterTopicNeverHoldsUpThePollLoop(ParleyInfra infra, @EngineExtension.Tiny NativeEngine engine)
            throws Exception {
        try (WorkerHarness harness = new WorkerHarness(infra, 2)) {
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", infra.bootstrapServers()))) {
                TopicProvisioner.ensure(admin, List.of(harness.promptsTopic(), harness.repliesTopic(),
                        harness.controlTopic()), 2, (short) -1);
            }
            Worker worker = harness.startWorker(harness.config("dlq-outage").createTopics(false)
                    .relayMaxBlock(Duration.ofMillis(500)).stallTimeout(Duration.ofSeconds(3)).build(), engine);
            ParleyClient client = harness.client();
            Set<String> badPositions = new HashSet<>();
            List<CompletableFuture<Reply>> valid = new ArrayList<>();
            SendOptions shortAnswer = SendOptions.builder().params(GenerationParams.DEFAULTS.withMaxTokens(4)).build();
            try (var producer = new KafkaProducer<>(Map.<String, Object>of("bootstrap.servers",
                    infra.bootstrapServers()), new StringSerializer(), new ByteArraySerializer())) {
                for (int i = 0; i < BAD; i++) {
                    RecordMetadata bad = producer.send(new ProducerRecord<>(harness.promptsTopic(), "conv-" + i,
                            "not json".getBytes(StandardCharsets.UTF_8))).get();
                    badPositions.add(bad.partition() + "@" + bad.offset());
                    valid.add(client.send("conv-" + i, "still here?", shortAnswer)); // same key: same partition
                }
            }
            // Before the fix each dead letter held the poll loop for max.block.ms (60 s): these would wait minutes.
            Progress.awaitAll(valid, Duration.ofSeconds(60), () -> "dead-letter retries: " + retries(harness));
            assertThat(valid).allSatisfy(reply -> assertThat(reply.join().isOk()).isTrue());
            // The valid prompts may all be answered before the first dead-letter send has given up (a fast machine):
            // the retries are waited for, not expected to have happened already.
            awaitRetries(harness);
            String problems = awaitHealth(worker, false);
            assertThat(problems).contains("commits: no progress for").contains("held at offset")
                    .doesNotContain("intake:");

            harness.createTopics(); // the dead-letter topic comes (back)
            try (TopicOutcomes outcomes = new TopicOutcomes(infra.bootstrapServers(), harness.repliesTopic(),
                    harness.deadLetterTopic())) {
                outcomes.await(Set.of(), badPositions, Duration.ofSeconds(90), () -> "retries " + retries(harness));
            }
            TopicOutcomes.awaitCommittedToEnd(infra.bootstrapServers(), harness.prefix + "-workers",
                    harness.promptsTopic(), Duration.ofSeconds(30), () -> worker.health().problems());
            awaitHealth(worker, true);
        }
    }

    /** Waits (on the health check itself, a minute at most) until the worker's health is as wanted. */
    private static String awaitHealth(Worker worker, boolean healthy) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (worker.health().healthy() != healthy && System.nanoTime() < deadline) {
            Thread.sleep(100); // the health check is computed on demand; nothing to wait on
        }
        assertThat(worker.health().healthy()).as(worker.health().problems()).isEqualTo(healthy);
        return worker.health().problems();
    }

    /** Waits (a minute at most; each send gives up after relay-max-block, 500 ms here) for a counted retry. */
    private static void awaitRetries(WorkerHarness harness) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (retries(harness) == 0 && System.nanoTime() < deadline) {
            Thread.sleep(100); // the counter is read on demand; nothing to wait on
        }
        assertThat(retries(harness)).as("failed dead-letter sends retried and counted").isPositive();
    }

    private static double retries(WorkerHarness harness) {
        var counter = harness.registry.find("parley.retries").tag("loop", "dead_letter").counter();
        return counter == null ? 0 : counter.count();
    }
}
