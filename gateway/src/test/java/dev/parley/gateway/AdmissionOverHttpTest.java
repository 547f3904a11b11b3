package dev.parley.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.parley.client.AdmissionPolicy;
import dev.parley.client.ModelLoad;
import dev.parley.client.ParleyClient;
import dev.parley.client.ParleyOverloadedException;
import dev.parley.client.SendOptions;
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
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;

/**
 * Admission on the real stack (broker, Redis, one worker with one slot running the real model, the gateway with a bound
 * of one waiting turn): while a long generation holds the slot and one request waits behind it, as the worker's
 * announced load shows, a new interactive request gets 429 with {@code Retry-After} and an SDK send fails fast with
 * {@link ParleyOverloadedException}; a batch line is still taken and answered; once the slot is free again, requests are
 * admitted. The long generation is held by its grammar (256 strings of at least 256 characters cannot fit in its
 * token budget, so it runs to its budget of 1 800 tokens, far longer than the worker's 200 ms load reports) and ended by
 * the test hanging up, not by a timer.
 */
@ExtendWith(ParleyInfraExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AdmissionOverHttpTest {

    private static final String MODEL = "smollm2-135m";
    private static final String KEY = "sk-admission";
    private final String prefix = "gwa" + System.nanoTime();
    private final HttpClient http = HttpClient.newHttpClient();
    private NativeEngine engine;
    private Worker worker;
    private Gateway gateway;
    private ParleyClient sdk;

    @BeforeAll
    void start(ParleyInfra infra, ParleyInfraExtension.TestModels models) {
        Path libraries = LlamaLibraryStore.standard(System.getenv()).resolve(System.getenv(LlamaLibraryStore.DIR_ENV));
        engine = NativeEngine.load(NativeEngineConfig.forModel(models.real(), libraries).withSlots(1)
                .withContextPerSlot(2048).withSnapshotBytes(32L << 20));
        WorkerConfig config = WorkerConfig.builder().bootstrapServers(infra.bootstrapServers())
                .redisUri(infra.redisUri()).promptsTopic(prefix + ".prompts").repliesTopic(prefix + ".replies")
                .deadLetterTopic(prefix + ".dlq").controlTopic(prefix + ".control").groupId(prefix).partitions(2)
                .workerId(prefix + "-worker").build();
        worker = Worker.start(config, ModelServing.DEFAULT.named(MODEL).ownTopic().withModelsTopic(prefix + ".models")
                .withLoadInterval(Duration.ofMillis(200)), engine, new SimpleMeterRegistry());
        gateway = Gateway.start(GatewayConfig.builder().port(0).bootstrapServers(infra.bootstrapServers())
                .redisUri(infra.redisUri()).promptsTopic(prefix + ".prompts").repliesTopic(prefix + ".replies")
                .controlTopic(prefix + ".control").modelsTopic(prefix + ".models").models(List.of(MODEL))
                .keys(ApiKeys.parse(List.of("alpha=" + KEY))).requestTimeout(Duration.ofMinutes(4))
                .admission(new AdmissionPolicy(1, 0, 0, false, Duration.ofSeconds(30))).build());
        sdk = ParleyClient.builder().bootstrapServers(infra.bootstrapServers()).repliesTopic(prefix + ".replies")
                .controlTopic(prefix + ".control").modelsTopic(prefix + ".models")
                .admission(new AdmissionPolicy(1, 0, 0, false, Duration.ofSeconds(30))).build();
    }

    @AfterAll
    void stop() {
        for (AutoCloseable part : new AutoCloseable[] {sdk, gateway, worker, engine}) {
            try {
                if (part != null) {
                    part.close();
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    @Test
    void pastTheBoundInteractiveRequestsGet429WithRetryAfterAndBatchLinesStillQueue() throws Exception {
        try (Socket longGeneration = startLongGeneration()) {
            // Once the gateway sees nothing waiting (the long one runs), a short request waits behind it, admitted.
            await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(100))
                    .until(() -> gatewayWaitingTurns() == 0.0);
            CompletableFuture<HttpResponse<String>> waiting = http.sendAsync(chatRequest("say hi"),
                    HttpResponse.BodyHandlers.ofString());
            // Progress wait: the worker announces it waiting (the SDK reads the models topic).
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(100)).until(() ->
                    sdk.modelLoad(MODEL).map(ModelLoad::waitingTurns).orElse(0L) >= 1);
            assertThat(gatewayWaitingTurns()).isGreaterThanOrEqualTo(1.0);

            HttpResponse<String> refused = http.send(chatRequest("and now?"), HttpResponse.BodyHandlers.ofString());

            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(429);
            long retryAfter = Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow());
            assertThat(retryAfter).isBetween(1L, 30L);
            JsonNode error = Json.mapper().readTree(refused.body()).get("error");
            assertThat(error.get("type").asString()).isEqualTo("rate_limit_error");
            assertThat(error.get("code").asString()).isEqualTo("rate_limit_exceeded");
            assertThat(error.get("message").asString()).contains("model " + MODEL + " is overloaded");
            assertThat(gateway.metrics().registry().get("parley.gateway.refused").tag("reason", "waiting_turns")
                    .counter().count()).isEqualTo(1);
            assertThat(gateway.metrics().registry().get("parley.gateway.admission.bound").tag("kind", "waiting_turns")
                    .gauge().value()).isEqualTo(1.0);

            // The SDK refuses before sending; a batch-priority send is never refused.
            assertThatThrownBy(() -> sdk.send("sdk-" + prefix, "hello", SendOptions.builder().model(MODEL).build()))
                    .isInstanceOfSatisfying(ParleyOverloadedException.class, e -> {
                        assertThat(e.model()).isEqualTo(MODEL);
                        assertThat(e.reason()).isEqualTo("waiting_turns");
                        assertThat(e.retryAfter()).isBetween(Duration.ofSeconds(1), Duration.ofSeconds(30));
                    });
            CompletableFuture<dev.parley.schemas.Reply> batchSend = sdk.send("sdk-batch-" + prefix, "hello",
                    SendOptions.builder().model(MODEL).priority(dev.parley.schemas.Priority.BATCH)
                            .params(dev.parley.schemas.GenerationParams.DEFAULTS.withMaxTokens(4))
                            .build());

            String batchId = createBatch();

            // The slot is freed (hanging up cancels the long generation); the queue drains.
            longGeneration.close();
            assertThat(waiting.get().statusCode()).isEqualTo(200);
            assertThat(batchSend.get().isOk()).isTrue();
            assertThat(awaitBatch(batchId).get("request_counts").get("completed").asInt()).isEqualTo(1);
        }
        // Admitted again once the worker's figures show it caught up: every answer until then is a 429, none else.
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200)).until(() -> {
            HttpResponse<String> response = http.send(chatRequest("back?"), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(response.body()).isIn(200, 429);
            return response.statusCode() == 200;
        });
    }

    private double gatewayWaitingTurns() {
        return gateway.metrics().registry().get("parley.gateway.admission.waiting.turns").tag("model", MODEL).gauge()
                .value();
    }

    /** A streamed request that runs to its token budget, started once its first text arrives; close to hang up. */
    private Socket startLongGeneration() throws Exception {
        Map<String, Object> strings = Json.object("type", "array", "minItems", 256,
                "items", Json.object("type", "string", "minLength", 256));
        String body = Json.write(Json.object("model", MODEL, "stream", true, "max_tokens", 1800,
                "messages", List.of(Json.object("role", "user", "content", "List many long sentences.")),
                "response_format", Json.object("type", "json_schema", "json_schema", Json.object("name", "long",
                        "schema", Json.object("type", "object", "properties", Json.object("items", strings),
                                "required", List.of("items"))))));
        byte[] payload = body.getBytes(StandardCharsets.UTF_8);
        URI base = URI.create(gateway.baseUrl());
        Socket socket = new Socket(base.getHost(), base.getPort());
        OutputStream out = socket.getOutputStream();
        out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: " + base.getHost() + "\r\nAuthorization: Bearer " + KEY
                + "\r\nContent-Type: application/json\r\nContent-Length: " + payload.length + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.write(payload);
        out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            assertThat(line).as("the long generation was refused").doesNotStartWith("HTTP/1.1 4");
            if (line.startsWith("data: ") && line.contains("\"content\"")) {
                return socket; // generating: it holds the only slot
            }
        }
        socket.close();
        throw new AssertionError("the long generation ended before its first text");
    }

    private HttpRequest chatRequest(String content) {
        return HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/chat/completions"))
                .header("Authorization", "Bearer " + KEY).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Json.write(Json.object("model", MODEL, "max_tokens", 4,
                        "messages", List.of(Json.object("role", "user", "content", content)))))).build();
    }

    private HttpResponse<String> send(String method, String path, String contentType, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(gateway.baseUrl() + path))
                .header("Authorization", "Bearer " + KEY).header("Content-Type", contentType)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A batch of one line for the model, created while the pool is over the bound: it is taken (200). */
    private String createBatch() throws Exception {
        String line = "{\"custom_id\":\"b-1\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":"
                + Json.write(Json.object("model", MODEL, "max_tokens", 4,
                        "messages", List.of(Json.object("role", "user", "content", "hello")))) + "}\n";
        String boundary = "b" + System.nanoTime();
        String multipart = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n--"
                + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"in.jsonl\"\r\n"
                + "Content-Type: application/jsonl\r\n\r\n" + line + "\r\n--" + boundary + "--\r\n";
        HttpResponse<String> file = send("POST", "/files", "multipart/form-data; boundary=" + boundary, multipart);
        assertThat(file.statusCode()).as(file.body()).isEqualTo(200);
        HttpResponse<String> created = send("POST", "/batches", "application/json", Json.write(Json.object(
                "input_file_id", Json.mapper().readTree(file.body()).get("id").asString(),
                "endpoint", "/v1/chat/completions", "completion_window", "24h")));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
        return Json.mapper().readTree(created.body()).get("id").asString();
    }

    private JsonNode awaitBatch(String id) {
        JsonNode[] batch = new JsonNode[1];
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(250)).until(() -> {
            batch[0] = Json.mapper().readTree(send("GET", "/batches/" + id, "application/json", null).body());
            return batch[0].get("status").asString().equals("completed");
        });
        return batch[0];
    }
}
