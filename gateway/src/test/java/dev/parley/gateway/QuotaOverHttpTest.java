package dev.parley.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.gateway.openai.Json;
import dev.parley.testkit.ParleyInfra;
import dev.parley.testkit.junit.ParleyInfraExtension;
import dev.parley.worker.quota.QuotaLimit;
import dev.parley.worker.quota.QuotaSettings;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
    private Gateway gateway;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    void start(ParleyInfra infra, ParleyInfraExtension.TestModels models) {
        // Tenant alpha may use one token a minute of each kind: its first turn spends it; beta is not limited.
        pool = new PoolFixture(infra, models, new QuotaSettings(Map.of("alpha", new QuotaLimit(1, 1)),
                QuotaLimit.UNLIMITED));
        gateway = Gateway.start(pool.gatewayConfig().build());
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
}
