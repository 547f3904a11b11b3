package dev.parley.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.schemas.codec.WireJson;
import dev.parley.testkit.ParleyInfra;
import dev.parley.testkit.junit.ParleyInfraExtension;
import dev.parley.worker.Worker;
import dev.parley.worker.config.WorkerConfig;
import dev.parley.worker.engine.llama.LlamaCppEngine;
import dev.parley.worker.engine.llama.LlamaEngineConfig;
import dev.parley.worker.history.RedisHistoryStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
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
import tools.jackson.databind.JsonNode;

/**
 * {@code parley gateway} killed with SIGKILL in the middle of a batch: its lease runs out, a second gateway process
 * takes the batch over and completes it, every line answered once.
 */
@ExtendWith(ParleyInfraExtension.class)
class GatewayCrashTest {

    private static final int LINES = 24;
    private static final String KEY = "sk-crash";

    @TempDir
    Path tmp;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void aKilledGatewaysBatchIsFinishedByTheNextOne(ParleyInfra infra, ParleyInfraExtension.TestModels models)
            throws Exception {
        String prefix = "gwcrash" + System.nanoTime();
        LlamaCppEngine engine = LlamaCppEngine.load(LlamaEngineConfig.forModel(models.tiny()).withSlots(1)
                .withContextPerSlot(512).withThreads(1));
        WorkerConfig config = WorkerConfig.builder().bootstrapServers(infra.bootstrapServers()).redisUri(infra.redisUri())
                .promptsTopic(prefix + ".prompts").repliesTopic(prefix + ".replies").deadLetterTopic(prefix + ".dlq")
                .controlTopic(prefix + ".control").groupId(prefix).partitions(3).workerId("crash-worker").build();
        try (Worker worker = Worker.start(config, engine, new SimpleMeterRegistry())) {
            Process first = gateway(infra, config);
            String base = awaitBaseUrl(first);
            String batchId = createBatch(base);
            int before = awaitCompleted(base, batchId, 3);
            first.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            assertThat(before).as("killed part-way").isLessThan(LINES);

            Process second = gateway(infra, config);
            try {
                String secondBase = awaitBaseUrl(second);
                awaitCompleted(secondBase, batchId, LINES);
                JsonNode batch = awaitFinalized(secondBase, batchId);
                assertThat(batch.get("status").asString()).isEqualTo("completed");
                String output = getText(secondBase + "/files/" + batch.get("output_file_id").asString() + "/content");
                Set<String> ids = new HashSet<>();
                try (RedisHistoryStore history = RedisHistoryStore.connect(infra.redisUri(), Duration.ZERO)) {
                    for (String line : output.strip().split("\n")) {
                        JsonNode json = WireJson.mapper().readTree(line);
                        assertThat(ids.add(json.get("custom_id").asString())).as("twice: " + line).isTrue();
                        assertThat(json.get("response").get("status_code").asInt()).isEqualTo(200);
                        String conversation = json.get("response").get("body").get("parley").get("conversation_id").asString();
                        assertThat(history.load(conversation)).as("answered once").hasSize(1);
                    }
                }
                assertThat(ids).hasSize(LINES);
            } finally {
                second.destroy();
                second.waitFor(60, TimeUnit.SECONDS);
            }
        }
    }

    private Process gateway(ParleyInfra infra, WorkerConfig config) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-Xmx512m",
                "-cp", System.getProperty("java.class.path"), ParleyCli.class.getName(), "gateway",
                "--bootstrap", infra.bootstrapServers(), "--redis", infra.redisUri(), "--port", "0",
                "--model", "tiny", "--prompts-topic", config.promptsTopic(), "--replies-topic", config.repliesTopic(),
                "--control-topic", config.controlTopic()).redirectErrorStream(true);
        builder.environment().put("PARLEY_GATEWAY_KEYS", "crash=" + KEY);
        return builder.start();
    }

    /** Reads the process's output until it prints its base URL; fails if it exits first. */
    private static String awaitBaseUrl(Process process) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        List<String> seen = new ArrayList<>();
        for (String line; (line = in.readLine()) != null; ) {
            seen.add(line);
            if (line.startsWith("PARLEY_OPENAI_BASE_URL=")) {
                Thread drain = new Thread(() -> {
                    try {
                        in.transferTo(java.io.Writer.nullWriter());
                    } catch (java.io.IOException ignored) {
                        // the process ended
                    }
                });
                drain.setDaemon(true);
                drain.start();
                return line.substring(line.indexOf('=') + 1);
            }
        }
        throw new AssertionError("gateway exited before listening: " + seen);
    }

    private String createBatch(String base) throws Exception {
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < LINES; i++) {
            lines.append("{\"custom_id\":\"c-").append(i).append("\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\","
                    + "\"body\":{\"model\":\"tiny\",\"max_tokens\":48,\"messages\":[{\"role\":\"user\",\"content\":"
                    + "\"line ").append(i).append("\"}]}}\n");
        }
        String boundary = "b" + System.nanoTime();
        String multipart = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n--"
                + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"in.jsonl\"\r\n"
                + "Content-Type: application/jsonl\r\n\r\n" + lines + "\r\n--" + boundary + "--\r\n";
        JsonNode file = post(base + "/files", "multipart/form-data; boundary=" + boundary, multipart);
        JsonNode batch = post(base + "/batches", "application/json", "{\"input_file_id\":\"" + file.get("id").asString()
                + "\",\"endpoint\":\"/v1/chat/completions\",\"completion_window\":\"24h\"}");
        return batch.get("id").asString();
    }

    /** Waits, on progress, until {@code count} lines are answered; returns how many are. */
    private int awaitCompleted(String base, String batchId, int count) throws Exception {
        int last = -1;
        long moved = System.nanoTime();
        while (true) {
            int completed = get(base + "/batches/" + batchId).get("request_counts").get("completed").asInt();
            if (completed >= count) {
                return completed;
            }
            if (completed != last) {
                last = completed;
                moved = System.nanoTime();
            }
            // A takeover waits out the dead gateway's lease (15 s) before the counts move again.
            assertThat(System.nanoTime() - moved).as("batch progress").isLessThan(Duration.ofMinutes(3).toNanos());
            Thread.sleep(200);
        }
    }

    /** The batch once it left finalizing (its output file being written after the last line was answered). */
    private JsonNode awaitFinalized(String base, String batchId) throws Exception {
        long since = System.nanoTime();
        while (true) {
            JsonNode batch = get(base + "/batches/" + batchId);
            if (!batch.get("status").asString().equals("finalizing")) {
                return batch;
            }
            assertThat(System.nanoTime() - since).as("finalizing").isLessThan(Duration.ofMinutes(1).toNanos());
            Thread.sleep(200);
        }
    }

    private JsonNode post(String url, String contentType, String body) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url))
                .header("Authorization", "Bearer " + KEY).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return WireJson.mapper().readTree(response.body());
    }

    private JsonNode get(String url) throws Exception {
        return WireJson.mapper().readTree(getText(url));
    }

    private String getText(String url) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url))
                .header("Authorization", "Bearer " + KEY).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return response.body();
    }
}
