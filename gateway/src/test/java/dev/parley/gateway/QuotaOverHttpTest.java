package dev.parley.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.gateway.auth.ApiKeys;
import dev.parley.gateway.openai.Json;
import dev.parley.testkit.ParleyInfra;
import dev.parley.testkit.junit.ParleyInfraExtension;
import dev.parley.worker.quota.QuotaLimit;
import dev.parley.worker.quota.QuotaSettings;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;

/**
 * The gateway charges each chat completion to its API key's tenant; a worker with token quotas refuses a tenant over
 * its quota, and the gateway answers that as OpenAI does a tokens-per-minute limit: 429, {@code Retry-After} and
 * {@code retry-after-ms}, type {@code tokens}, code {@code rate_limit_exceeded}, streamed requests too. The other
 * tenant is not affected.
 */
@ExtendWith(ParleyInfraExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class QuotaOverHttpTest {

    private PoolFixture pool;
    private final String gammaKey = "sk-gamma-" + System.nanoTime();
    private Gateway gateway;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    void start(ParleyInfra infra, ParleyInfraExtension.TestModels models) {
        // Tenants alpha and gamma may use one token a minute of each kind: a first turn spends it; beta is not
        // limited. Gamma is the batch test's, so the two tests do not depend on their order.
        pool = new PoolFixture(infra, models, new QuotaSettings(Map.of("alpha", new QuotaLimit(1, 1),
                "gamma", new QuotaLimit(1, 1)), QuotaLimit.UNLIMITED));
        // A batch line refused for alpha's quota is sent again twice, a second apart, then is an error line.
        gateway = Gateway.start(pool.gatewayConfig().keys(ApiKeys.parse(List.of("alpha=" + pool.alphaKey,
                        "beta=" + pool.betaKey, "gamma=" + gammaKey)))
                .batchRateLimitRetries(2).batchRetryMaxWait(Duration.ofSeconds(1)).build());
    }

    @AfterAll
    void stop() {
        try {
            if (gateway != null) {
                gateway.close();
            }
        } finally {
            if (pool != null) {
                pool.close();
            }
        }
    }

    private HttpResponse<String> chat(String key, boolean stream) throws Exception {
        String body = Json.write(Json.object("model", PoolFixture.MODEL, "stream", stream, "max_tokens", 4,
                "messages", List.of(Json.object("role", "user", "content", "Say hi " + System.nanoTime()))));
        return http.send(HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/chat/completions"))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aTenantOverItsTokenQuotaGets429WithRetryAfterInOpenAisShape() throws Exception {
        HttpResponse<String> first = chat(pool.alphaKey, false);
        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);

        HttpResponse<String> refused = chat(pool.alphaKey, false);
        HttpResponse<String> refusedStream = chat(pool.alphaKey, true);
        HttpResponse<String> other = chat(pool.betaKey, false);

        for (HttpResponse<String> response : List.of(refused, refusedStream)) {
            assertThat(response.statusCode()).as(response.body()).isEqualTo(429);
            JsonNode error = Json.mapper().readTree(response.body()).get("error");
            assertThat(error.get("type").asString()).isEqualTo("tokens");
            assertThat(error.get("code").asString()).isEqualTo("rate_limit_exceeded");
            assertThat(error.get("message").asString()).contains("alpha").contains("token quota");
            long millis = Long.parseLong(response.headers().firstValue("retry-after-ms").orElseThrow());
            // One token a minute, and the first turn spent more than one: at least most of a minute.
            assertThat(millis).isGreaterThan(30_000);
            assertThat(response.headers().firstValue("Retry-After")).hasValue(Long.toString((millis + 999) / 1000));
        }
        assertThat(other.statusCode()).as(other.body()).isEqualTo(200);
    }

    @Test
    void aTenantOverItsTokenQuotaGetsNoTokensThroughABatchEither() throws Exception {
        HttpResponse<String> spent = chat(gammaKey, false);
        assertThat(spent.statusCode()).as("gamma's first turn spends its minute: " + spent.body()).isEqualTo(200);

        String line = Json.write(Json.object("custom_id", "q-1", "method", "POST", "url", "/v1/chat/completions",
                "body", Json.object("model", PoolFixture.MODEL, "max_tokens", 4,
                        "messages", List.of(Json.object("role", "user", "content", "Say hi " + System.nanoTime())))));
        String multipart = "--qb\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n--qb\r\n"
                + "Content-Disposition: form-data; name=\"file\"; filename=\"in.jsonl\"\r\n\r\n" + line + "\n\r\n--qb--\r\n";
        JsonNode file = post("/files", "multipart/form-data; boundary=qb", multipart);
        JsonNode batch = post("/batches", "application/json", Json.write(Json.object("input_file_id",
                file.get("id").asString(), "endpoint", "/v1/chat/completions", "completion_window", "24h")));
        JsonNode done = awaitFinished(batch.get("id").asString());

        assertThat(done.get("status").asString()).isEqualTo("completed");
        assertThat(done.get("request_counts").get("completed").asInt()).as("no tokens through a batch").isZero();
        assertThat(done.get("request_counts").get("failed").asInt()).isEqualTo(1);
        JsonNode error = Json.mapper().readTree(download(done.get("error_file_id").asString()).strip());
        assertThat(error.get("response").get("status_code").asInt()).isEqualTo(429);
        assertThat(error.get("response").get("body").get("error").get("code").asString()).isEqualTo("rate_limit_exceeded");
        assertThat(gateway.metrics().registry().get("parley.gateway.batch.lines").tag("outcome", "rate_limited_retry")
                .counter().count()).as("sent again, bounded").isEqualTo(2);
    }

    private JsonNode post(String path, String contentType, String body) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(gateway.baseUrl() + path))
                .header("Authorization", "Bearer " + gammaKey).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return Json.mapper().readTree(response.body());
    }

    private String download(String fileId) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/files/" + fileId + "/content"))
                .header("Authorization", "Bearer " + gammaKey).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    /** Polls the batch until it ends; fails when its state did not move for two minutes. */
    private JsonNode awaitFinished(String batchId) throws Exception {
        String last = null;
        long moved = System.nanoTime();
        while (true) {
            JsonNode batch = Json.mapper().readTree(http.send(HttpRequest.newBuilder(URI.create(gateway.baseUrl()
                    + "/batches/" + batchId)).header("Authorization", "Bearer " + gammaKey).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
            String status = batch.get("status").asString();
            if (List.of("completed", "failed", "cancelled", "expired").contains(status)) {
                return batch;
            }
            String state = status + batch.get("request_counts") + gateway.metrics().registry()
                    .find("parley.gateway.batch.lines").counters().stream().mapToDouble(c -> c.count()).sum();
            if (!state.equals(last)) {
                last = state;
                moved = System.nanoTime();
            }
            assertThat(System.nanoTime() - moved).as("batch progress").isLessThan(Duration.ofMinutes(2).toNanos());
            Thread.sleep(200);
        }
    }
}
