package dev.parley.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.gateway.auth.ApiKeys;
import dev.parley.gateway.openai.Json;
import dev.parley.models.LlamaLibraryStore;
import dev.parley.testkit.ParleyInfra;
import dev.parley.testkit.junit.ParleyInfraExtension;
import dev.parley.worker.Worker;
import dev.parley.worker.config.WorkerConfig;
import dev.parley.worker.engine.cpp.NativeEngine;
import dev.parley.worker.engine.cpp.NativeEngineConfig;
import dev.parley.worker.models.ModelServing;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;

/**
 * The gateway in front of a pool whose one worker serves the synthetic model as {@code tiny} on its own topic (real
 * broker, Redis, native engine): it lists the announced model beside the configured name, routes a request for it to
 * its topic (nobody reads the default topic, so a wrong route would time out), and refuses an unknown model with
 * OpenAI's 404 {@code model_not_found} listing the served ones.
 */
@ExtendWith(ParleyInfraExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GatewayModelsTest {

    private static final String KEY = "sk-models";
    private final String prefix = "gwm" + System.nanoTime();
    private final HttpClient http = HttpClient.newHttpClient();
    private NativeEngine engine;
    private Worker worker;
    private Gateway gateway;

    @BeforeAll
    void start(ParleyInfra infra, ParleyInfraExtension.TestModels models) {
        Path libraries = LlamaLibraryStore.standard(System.getenv()).resolve(System.getenv(LlamaLibraryStore.DIR_ENV));
        engine = NativeEngine.load(NativeEngineConfig.forModel(models.tiny(), libraries).withSlots(2)
                .withContextPerSlot(1024).withSnapshotBytes(32L << 20));
        WorkerConfig config = WorkerConfig.builder().bootstrapServers(infra.bootstrapServers())
                .redisUri(infra.redisUri()).promptsTopic(prefix + ".prompts").repliesTopic(prefix + ".replies")
                .deadLetterTopic(prefix + ".dlq").controlTopic(prefix + ".control").groupId(prefix).partitions(2)
                .workerId(prefix + "-tiny").build();
        worker = Worker.start(config, ModelServing.DEFAULT.named("tiny").ownTopic().withModelsTopic(prefix + ".models"),
                engine, new SimpleMeterRegistry());
        // "default-model" is configured for the default topic, where no worker listens in this test.
        gateway = Gateway.start(GatewayConfig.builder().port(0).bootstrapServers(infra.bootstrapServers())
                .redisUri(infra.redisUri()).promptsTopic(prefix + ".prompts").repliesTopic(prefix + ".replies")
                .controlTopic(prefix + ".control").modelsTopic(prefix + ".models").models(List.of("default-model"))
                .keys(ApiKeys.parse(List.of("t=" + KEY))).requestTimeout(Duration.ofMinutes(2)).build());
    }

    @AfterAll
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (worker != null) {
            worker.close();
        }
        if (engine != null) {
            engine.close();
        }
    }

    private HttpResponse<String> send(String method, String path, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(gateway.baseUrl() + path))
                .header("Authorization", "Bearer " + KEY).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String chat(String model) {
        return Json.write(Json.object("model", model, "max_tokens", 4,
                "messages", List.of(Json.object("role", "user", "content", "hello"))));
    }

    @Test
    void theModelsListHoldsTheConfiguredNameAndTheAnnouncedModel() throws Exception {
        HttpResponse<String> list = send("GET", "/models", null);

        assertThat(list.statusCode()).isEqualTo(200);
        assertThat(Json.mapper().readTree(list.body()).get("data").findValuesAsString("id"))
                .containsExactly("default-model", "tiny");
        assertThat(send("GET", "/models/tiny", null).statusCode()).isEqualTo(200);
    }

    @Test
    void aRequestForTheAnnouncedModelIsAnsweredOnItsTopic() throws Exception {
        HttpResponse<String> response = send("POST", "/chat/completions", chat("tiny"));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode body = Json.mapper().readTree(response.body());
        assertThat(body.get("model").asString()).isEqualTo("tiny");
        assertThat(body.get("choices").get(0).get("message").get("content").isString()).isTrue();
    }

    @Test
    void aBatchLineGoesToItsModelAndALineForAnUnknownModelIsAnErrorLine() throws Exception {
        String lines = "{\"custom_id\":\"t-1\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":"
                + chat("tiny") + "}\n{\"custom_id\":\"x-1\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\","
                + "\"body\":" + chat("gpt-4o") + "}\n";
        String boundary = "b" + System.nanoTime();
        String multipart = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n--"
                + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"in.jsonl\"\r\n"
                + "Content-Type: application/jsonl\r\n\r\n" + lines + "\r\n--" + boundary + "--\r\n";
        HttpResponse<String> file = http.send(HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/files"))
                .header("Authorization", "Bearer " + KEY)
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofString(multipart)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(file.statusCode()).as(file.body()).isEqualTo(200);
        HttpResponse<String> created = send("POST", "/batches", Json.write(Json.object("input_file_id",
                Json.mapper().readTree(file.body()).get("id").asString(), "endpoint", "/v1/chat/completions",
                "completion_window", "24h")));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
        String batchId = Json.mapper().readTree(created.body()).get("id").asString();

        JsonNode[] batch = new JsonNode[1];
        org.awaitility.Awaitility.await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(250))
                .until(() -> {
                    batch[0] = Json.mapper().readTree(send("GET", "/batches/" + batchId, null).body());
                    return batch[0].get("status").asString().equals("completed");
                });

        String output = send("GET", "/files/" + batch[0].get("output_file_id").asString() + "/content", null).body();
        String errors = send("GET", "/files/" + batch[0].get("error_file_id").asString() + "/content", null).body();
        JsonNode answered = Json.mapper().readTree(output.strip());
        assertThat(answered.get("custom_id").asString()).isEqualTo("t-1");
        assertThat(answered.get("response").get("status_code").asInt()).isEqualTo(200);
        assertThat(answered.get("response").get("body").get("model").asString()).isEqualTo("tiny");
        JsonNode refused = Json.mapper().readTree(errors.strip());
        assertThat(refused.get("custom_id").asString()).isEqualTo("x-1");
        assertThat(refused.get("response").get("status_code").asInt()).isEqualTo(404);
        assertThat(refused.get("response").get("body").get("error").get("code").asString()).isEqualTo("model_not_found");
        assertThat(refused.get("response").get("body").get("error").get("message").asString())
                .endsWith("Served models: default-model, tiny.");
    }

    @Test
    void anUnknownModelIsA404ListingTheServedOnes() throws Exception {
        for (HttpResponse<String> response : List.of(send("POST", "/chat/completions", chat("gpt-4o")),
                send("GET", "/models/gpt-4o", null))) {
            assertThat(response.statusCode()).as(response.body()).isEqualTo(404);
            JsonNode error = Json.mapper().readTree(response.body()).get("error");
            assertThat(error.get("code").asString()).isEqualTo("model_not_found");
            assertThat(error.get("type").asString()).isEqualTo("invalid_request_error");
            assertThat(error.get("param").asString()).isEqualTo("model");
            assertThat(error.get("message").asString()).contains("`gpt-4o`")
                    .endsWith("Served models: default-model, tiny.");
        }
    }
}
