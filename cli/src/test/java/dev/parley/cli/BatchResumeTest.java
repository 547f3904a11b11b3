package dev.parley.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.parley.schemas.codec.WireJson;
import dev.parley.testkit.ParleyInfra;
import dev.parley.testkit.junit.ParleyInfraExtension;
import dev.parley.worker.Worker;
import dev.parley.worker.config.WorkerConfig;
import dev.parley.worker.engine.llama.LlamaCppEngine;
import dev.parley.worker.engine.llama.LlamaEngineConfig;
import dev.parley.worker.history.RedisHistoryStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@code parley batch} killed part-way and run again: every custom_id answered once, none twice, none missing. */
@ExtendWith(ParleyInfraExtension.class)
class BatchResumeTest {

    private static final int LINES = 60;

    @TempDir
    Path tmp;

    @Test
    void aKilledBatchResumesWithoutLosingOrRepeatingLines(ParleyInfra infra, ParleyInfraExtension.TestModels models)
            throws Exception {
        String prefix = "batch" + System.nanoTime();
        Path input = tmp.resolve("questions.jsonl");
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < LINES; i++) {
            lines.add("{\"custom_id\":\"q-" + i + "\",\"body\":{\"max_tokens\":96,\"messages\":[{\"role\":\"user\","
                    + "\"content\":\"question number " + i + "\"}]}}");
        }
        Files.write(input, lines);
        Path out = tmp.resolve("out.jsonl");
        Path errors = tmp.resolve("errors.jsonl");
        LlamaCppEngine engine = LlamaCppEngine.load(LlamaEngineConfig.forModel(models.tiny()).withSlots(1)
                .withContextPerSlot(512).withThreads(1));
        WorkerConfig config = WorkerConfig.builder().bootstrapServers(infra.bootstrapServers()).redisUri(infra.redisUri())
                .promptsTopic(prefix + ".prompts").repliesTopic(prefix + ".replies").deadLetterTopic(prefix + ".dlq")
                .groupId(prefix).partitions(3).workerId("batch-worker").build();
        try (Worker worker = Worker.start(config, engine, new SimpleMeterRegistry())) {
            List<String> command = List.of(ProcessHandle.current().info().command().orElse("java"), "-cp",
                    System.getProperty("java.class.path"), ParleyCli.class.getName(), "batch", input.toString(),
                    "--out", out.toString(), "--errors", errors.toString(), "--max-in-flight", "4",
                    "--bootstrap", infra.bootstrapServers(), "--prompts-topic", config.promptsTopic(),
                    "--replies-topic", config.repliesTopic());

            Process first = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(tmp.resolve("first.log").toFile()).start();
            await().atMost(Duration.ofMinutes(2)).until(() -> Files.exists(out) && Files.readAllLines(out).size() >= 8);
            first.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            int afterKill = Files.readAllLines(out).size();
            assertThat(afterKill).as("killed part-way").isLessThan(LINES);

            Process second = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(tmp.resolve("second.log").toFile()).start();
            assertThat(second.waitFor(3, TimeUnit.MINUTES)).isTrue();
            String log = Files.readString(tmp.resolve("second.log"));
            assertThat(second.exitValue()).as(log).isZero();
            assertThat(log).contains("batch done:").contains("already done");

            List<String> results = Files.readAllLines(out);
            Set<String> ids = new HashSet<>();
            for (String line : results) {
                var json = WireJson.mapper().readTree(line);
                assertThat(ids.add(json.get("custom_id").asString())).as("custom_id twice: " + line).isTrue();
                assertThat(json.get("id").asString()).startsWith("batch_req_");
                assertThat(json.get("response").get("status_code").asInt()).isEqualTo(200);
                assertThat(json.get("response").get("body").get("object").asString()).isEqualTo("chat.completion");
                assertThat(json.get("error").isNull()).isTrue();
                assertThat(json.get("parley").get("reply").get("status").asString()).isEqualTo("ok");
            }
            Set<String> expected = new HashSet<>();
            for (int i = 0; i < LINES; i++) {
                expected.add("q-" + i);
            }
            assertThat(ids).isEqualTo(expected);
            assertThat(Files.exists(errors) ? Files.readAllLines(errors) : List.of()).isEmpty();
            // Requests in flight at the kill were sent again with the same ids: one turn each, never two.
            try (RedisHistoryStore history = RedisHistoryStore.connect(infra.redisUri(), Duration.ZERO)) {
                for (String line : results) {
                    String conversation = WireJson.mapper().readTree(line).get("parley").get("conversation_id").asString();
                    assertThat(history.load(conversation)).hasSize(1);
                }
            }
        }
    }
}
