package dev.parley.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.gateway.openai.Json;
import dev.parley.schemas.Priority;
import dev.parley.schemas.Prompt;
import dev.parley.schemas.codec.WireJson;
import dev.parley.testkit.ParleyInfra;
import dev.parley.testkit.junit.ParleyInfraExtension;
import dev.parley.worker.history.RedisHistoryStore;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;

/**
 * The files and batches API with the official {@code openai} package, a real worker and Redis: a batch's whole life
 * with output and error lines in OpenAI's shape, cancel keeping what was answered, a gateway restart mid-batch.
 */
@ExtendWith(ParleyInfraExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BatchApiTest {

    private PoolFixture pool;
    private RedisHistoryStore history;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    void start(ParleyInfra infra, ParleyInfraExtension.TestModels models) throws Exception {
        OpenAiPython.install();
        pool = new PoolFixture(infra, models);
        history = RedisHistoryStore.connect(infra.redisUri(), Duration.ZERO);
    }

    @AfterAll
    void stop() {
        if (history != null) {
            history.close();
        }
        if (pool != null) {
            pool.close();
        }
    }

    private Gateway gateway(String instance) {
        return Gateway.start(pool.gatewayConfig().instanceId(instance + "-" + pool.prefix).batchInFlight(2).build());
    }

    @Test
    void aBatchFromUploadToOutputLinesInOpenAisShape() throws Exception {
        try (Gateway gateway = gateway("life")) {
            JsonNode result = OpenAiPython.run("batch_scenarios.py", "lifecycle", pool.pythonEnv(gateway));

            assertThat(result.get("file").get("object").asString()).isEqualTo("file");
            assertThat(result.get("file").get("purpose").asString()).isEqualTo("batch");
            assertThat(result.get("file").get("filename").asString()).isEqualTo("input.jsonl");
            assertThat(result.get("listed").asBoolean()).isTrue();
            JsonNode batch = result.get("batch");
            assertThat(batch.get("status").asString()).isEqualTo("completed");
            assertThat(batch.get("object").asString()).isEqualTo("batch");
            assertThat(batch.get("total").asInt()).isEqualTo(6);
            assertThat(batch.get("completed").asInt()).isEqualTo(3);
            assertThat(batch.get("failed").asInt()).isEqualTo(3);
            assertThat(batch.get("in_progress_at").isNull()).isFalse();
            assertThat(batch.get("completed_at").asLong()).isGreaterThanOrEqualTo(batch.get("created_at").asLong());
            assertThat(batch.get("metadata").get("run").asString()).isNotBlank();

            Set<String> ids = new HashSet<>();
            for (JsonNode line : batch.get("output")) {
                assertThat(ids.add(line.get("custom_id").asString())).as("custom_id twice: " + line).isTrue();
                assertThat(line.get("id").asString()).startsWith("batch_req_");
                assertThat(line.get("error").isNull()).isTrue();
                JsonNode response = line.get("response");
                assertThat(response.get("status_code").asInt()).isEqualTo(200);
                assertThat(response.get("request_id").asString()).isNotBlank();
                JsonNode body = response.get("body");
                assertThat(body.get("object").asString()).isEqualTo("chat.completion");
                assertThat(body.get("model").asString()).isEqualTo(PoolFixture.MODEL);
                assertThat(body.get("choices").get(0).get("message").get("content").asString()).isNotBlank();
                assertThat(body.get("usage").get("completion_tokens").asInt()).isBetween(1, 16);
            }
            assertThat(ids).containsExactlyInAnyOrder("q-1", "q-2", "q-3");

            JsonNode errors = batch.get("errors");
            assertThat(errors).hasSize(3);
            JsonNode malformed = errors.get(0);
            assertThat(malformed.get("response").isNull()).isTrue();
            assertThat(malformed.get("error").get("code").asString()).isEqualTo("invalid_json");
            assertThat(malformed.get("error").get("message").asString()).contains("line 3");
            JsonNode refused = errors.get(1);
            assertThat(refused.get("custom_id").asString()).isEqualTo("q-4");
            assertThat(refused.get("response").get("status_code").asInt()).isEqualTo(400);
            assertThat(refused.get("response").get("body").get("error").get("param").asString()).isEqualTo("n");
            // A poison line (an integer past a long) is its own error line; the batch finishes (audit H5).
            JsonNode poison = errors.get(2);
            assertThat(poison.get("custom_id").asString()).isEqualTo("q-5");
            assertThat(poison.get("response").get("status_code").asInt()).isEqualTo(400);
            assertThat(poison.get("response").get("body").get("error").get("param").asString()).isEqualTo("top_k");

            assertThat(result.get("files_listed").asBoolean()).as("GET /v1/files lists the upload").isTrue();
            assertThat(result.get("deleted").asBoolean()).isTrue();
            assertThat(result.get("after_delete").asInt()).isEqualTo(404);
            assertThat(result.get("file").get("expires_at").asLong() - result.get("file").get("created_at").asLong())
                    .as("batch files expire after 30 days, as OpenAI's do").isEqualTo(30L * 24 * 3600);

            assertThat(result.get("other_tenant_output").asInt()).as("another tenant's file").isEqualTo(404);
            assertThat(result.get("missing_batch").asInt()).isEqualTo(404);
            assertThat(batchPrompts()).as("batch lines go in the batch lane").hasSizeGreaterThanOrEqualTo(3)
                    .allSatisfy(prompt -> assertThat(prompt.priority()).isEqualTo(Priority.BATCH))
                    .as("batch lines carry their tenant, so its quota applies")
                    .allSatisfy(prompt -> assertThat(prompt.tenant()).isEqualTo("alpha"));
        }
    }

    /** The prompts the batch runner published so far (conversations {@code oa.<tenant>.b.<batch>.<line>}). */
    private List<Prompt> batchPrompts() {
        String topic = pool.workerConfig.promptsTopic();
        try (var consumer = new KafkaConsumer<>(Map.<String, Object>of("bootstrap.servers",
                pool.infra.bootstrapServers()), new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            List<Prompt> prompts = new ArrayList<>();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
                for (var record : consumer.poll(Duration.ofMillis(200))) {
                    Prompt prompt = WireJson.fromBytes(record.value(), Prompt.class);
                    if (prompt.conversationId().startsWith("oa.alpha.b.")) {
                        prompts.add(prompt);
                    }
                }
            }
            return prompts;
        }
    }

    @Test
    void cancellingKeepsTheResultsAlreadyIn() throws Exception {
        try (Gateway gateway = gateway("cancel")) {
            JsonNode result = OpenAiPython.run("batch_scenarios.py", "cancel", pool.pythonEnv(gateway));

            assertThat(result.get("cancelling_status").asString()).isEqualTo("cancelling");
            JsonNode batch = result.get("batch");
            assertThat(batch.get("status").asString()).isEqualTo("cancelled");
            assertThat(batch.get("cancelled_at").isNull()).isFalse();
            int answered = batch.get("completed").asInt();
            assertThat(answered).isGreaterThanOrEqualTo(2).isLessThan(30);
            assertThat(batch.get("output")).hasSize(answered);
            for (JsonNode line : batch.get("output")) {
                assertThat(line.get("response").get("status_code").asInt()).isEqualTo(200);
            }
        }
    }

    @Test
    void aRestartedGatewayGoesOnWithARunningBatch() throws Exception {
        String batchId;
        int doneBeforeRestart;
        try (Gateway first = gateway("first")) {
            batchId = OpenAiPython.run("batch_scenarios.py", "create", pool.pythonEnv(first), "16").get("id").asString();
            doneBeforeRestart = awaitCompleted(first, batchId, 2);
        }
        try (Gateway second = gateway("second")) {
            JsonNode batch = OpenAiPython.run("batch_scenarios.py", "finished", pool.pythonEnv(second), batchId);
            assertThat(batch.get("status").asString()).isEqualTo("completed");
            assertThat(doneBeforeRestart).isLessThan(16);
            Set<String> ids = new HashSet<>();
            for (JsonNode line : batch.get("output")) {
                assertThat(ids.add(line.get("custom_id").asString())).isTrue();
                assertThat(line.get("response").get("status_code").asInt()).isEqualTo(200);
                String conversation = line.get("response").get("body").get("parley").get("conversation_id").asString();
                // Lines in flight at the restart were sent again with the same request id: answered once.
                assertThat(history.load(conversation)).hasSize(1);
            }
            assertThat(ids).hasSize(16);
            assertThat(batch.get("errors")).isEmpty();
        }
    }

    /** Waits, on progress, until at least {@code count} lines are answered; returns how many are. */
    private int awaitCompleted(Gateway gateway, String batchId, int count) throws Exception {
        int last = -1;
        long moved = System.nanoTime();
        while (true) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(gateway.baseUrl()
                    + "/batches/" + batchId)).header("Authorization", "Bearer " + pool.alphaKey).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            int completed = Json.mapper().readTree(response.body()).get("request_counts").get("completed").asInt();
            if (completed >= count) {
                return completed;
            }
            if (completed != last) {
                last = completed;
                moved = System.nanoTime();
            }
            assertThat(System.nanoTime() - moved).as("batch progress").isLessThan(Duration.ofMinutes(3).toNanos());
            Thread.sleep(200);
        }
    }
}
