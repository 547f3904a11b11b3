package dev.parley.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.client.ParleyClient;
import dev.parley.client.SendOptions;
import dev.parley.schemas.GenerationParams;
import dev.parley.schemas.Reply;
import dev.parley.testkit.ParleyInfra;
import dev.parley.testkit.junit.ParleyInfraExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A worker process stops on SIGTERM: it finishes what runs, commits, and exits 0 (despite llama.cpp's thread). */
@ExtendWith(ParleyInfraExtension.class)
class GracefulShutdownTest {

    @Test
    void sigtermFinishesCommitsAndExits(ParleyInfra infra, ParleyInfraExtension.TestModels models) throws Exception {
        String prefix = "term" + System.nanoTime();
        String prompts = prefix + ".prompts";
        try (WorkerProcess worker = WorkerProcess.start(List.of("--bootstrap", infra.bootstrapServers(),
                "--redis", infra.redisUri(), "--model", models.tiny().toString(), "--slots", "2",
                "--context-per-slot", "512", "--prompts-topic", prompts, "--replies-topic", prefix + ".replies",
                "--dlq-topic", prefix + ".dlq", "--group-id", prefix, "--partitions", "2", "--worker-id", "term-worker"))) {
            worker.awaitReady(Duration.ofSeconds(60));
            try (ParleyClient client = ParleyClient.builder().bootstrapServers(infra.bootstrapServers())
                    .promptsTopic(prompts).repliesTopic(prefix + ".replies").build()) {
                List<CompletableFuture<Reply>> replies = new ArrayList<>();
                for (int i = 0; i < 6; i++) {
                    replies.add(client.send(prefix + "-c" + i, "hello",
                            SendOptions.builder().params(GenerationParams.DEFAULTS.withMaxTokens(4)).build()));
                }
                replies.forEach(r -> assertThat(r.join().isOk()).isTrue());
            }

            worker.terminate();

            assertThat(worker.awaitExit(Duration.ofSeconds(60))).as("exited").isTrue();
            assertThat(worker.exitValue()).as(worker.output()).isZero();
            assertThat(worker.output()).contains("Worker term-worker stopped");
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", infra.bootstrapServers()))) {
                Map<TopicPartition, OffsetAndMetadata> committed =
                        admin.listConsumerGroupOffsets(prefix).partitionsToOffsetAndMetadata().get();
                Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(committed.keySet()
                        .stream().collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest()))).all().get();
                long committedTotal = committed.values().stream().mapToLong(OffsetAndMetadata::offset).sum();
                long endTotal = ends.values().stream().mapToLong(ListOffsetsResult.ListOffsetsResultInfo::offset).sum();
                assertThat(committedTotal).as("everything answered is committed").isEqualTo(endTotal).isEqualTo(6);
            }
        }
    }
}
