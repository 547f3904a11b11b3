package dev.parley.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.parley.client.ParleyClient;
import dev.parley.client.SendOptions;
import dev.parley.schemas.GenerationParams;
import dev.parley.schemas.Reply;
import dev.parley.testkit.ParleyInfra;
import dev.parley.testkit.junit.ParleyInfraExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker process on the native engine with a disk tier is killed with SIGKILL once its conversations' sequences
 * are on disk, and started again with the same static membership and directory: the next turn of every conversation
 * is served from its snapshot file (usage.disk_tokens), not re-prefilled from the history.
 */
@ExtendWith(ParleyInfraExtension.class)
class DiskWarmRestartTest {

    private static final int CONVERSATIONS = 3;
    private static final Duration QUIET = Duration.ofSeconds(90);

    @TempDir
    Path kvDir;

    @Test
    void aWorkerKilledAndRestartedServesItsConversationsFromDisk(ParleyInfra infra,
                                                                ParleyInfraExtension.TestModels models)
            throws Exception {
        String prefix = "disk" + System.nanoTime();
        List<String> flags = List.of("--bootstrap", infra.bootstrapServers(), "--redis", infra.redisUri(),
                "--model", models.real().toString(), "--slots", "2", "--context-per-slot", "1024",
                "--prompts-topic", prefix + ".prompts", "--replies-topic", prefix + ".replies",
                "--dlq-topic", prefix + ".dlq", "--control-topic", prefix + ".control", "--group-id", prefix,
                "--group-instance-id", prefix + "-w", "--partitions", "2", "--worker-id", "disk-worker",
                "--http-port", "-1", "--kv-disk-dir", kvDir.toString(), "--kv-disk-bytes", "1GiB");
        SendOptions options = SendOptions.builder().system("You are a concise assistant.")
                .timeout(Duration.ofMinutes(10)) // a wait on progress: the bound is for a worker that died
                .params(GenerationParams.DEFAULTS.withMaxTokens(8).withTemperature(0)).build();
        try (WorkerProcess before = WorkerProcess.start(flags)) {
            before.awaitReady(Duration.ofSeconds(120)); // it creates the topics the client reads
            try (ParleyClient client = ParleyClient.builder().bootstrapServers(infra.bootstrapServers())
                    .promptsTopic(prefix + ".prompts").repliesTopic(prefix + ".replies").build()) {
                for (int turn = 1; turn <= 2; turn++) {
                    List<CompletableFuture<Reply>> replies = new ArrayList<>();
                    for (int c = 0; c < CONVERSATIONS; c++) {
                        replies.add(client.send(prefix + "-c" + c, "Tell me fact number " + turn + " about cats.",
                                options));
                    }
                    replies.forEach(reply -> assertThat(reply.join().isOk()).isTrue());
                }
                // 3 conversations, 2 sequences: one was written through at eviction, the others once idle
                await().atMost(QUIET).until(() -> snapshotFiles() == CONVERSATIONS);
                before.kill();
                assertThat(before.awaitExit(Duration.ofSeconds(30))).isTrue();

                try (WorkerProcess after = WorkerProcess.start(flags)) {
                    after.awaitReady(Duration.ofSeconds(120));
                    assertThat(after.output()).contains("Disk KV tier in", CONVERSATIONS + " snapshot files");
                    for (int c = 0; c < CONVERSATIONS; c++) {
                        Reply reply = client.send(prefix + "-c" + c, "And fact number 3?", options).join();
                        assertThat(reply.isOk()).as(after.tail(40)).isTrue();
                        assertThat(reply.turn()).isEqualTo(3);
                        assertThat(reply.usage().diskTokens()).as("%s\n%s", reply, after.tail(40)).isPositive()
                                .isEqualTo(reply.usage().cachedTokens());
                        assertThat(reply.usage().restoredTokens()).isZero();
                    }
                }
            }
        }
    }

    private long snapshotFiles() throws Exception {
        try (Stream<Path> files = Files.list(kvDir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".kv")).count();
        }
    }
}
