package dev.parley.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.gateway.openai.Json;
import dev.parley.testkit.ParleyInfra;
import dev.parley.testkit.junit.ParleyInfraExtension;
import dev.parley.worker.quota.QuotaSettings;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;

/**
 * A request using tools, to a pool whose workers announce that their engine calls none (the tiny model has no chat
 * template that writes tool calls), is a 400 {@code unsupported_feature} at once, in chat and in responses. Before,
 * the worker dead-lettered the prompt and the gateway waited for its reply until the request's timeout (a 504);
 * SchemathesisTest found it. The HTTP client gives up after a minute, far inside that timeout (4 minutes here).
 */
@ExtendWith(ParleyInfraExtension.class)
class ToolsUnservedTest {

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void aRequestUsingToolsIsRefusedAtOnceWhenNoWorkerCallsTools(ParleyInfra infra,
                                                                 ParleyInfraExtension.TestModels models)
            throws Exception {
        try (PoolFixture pool = new PoolFixture(infra, models.tiny(), 256, 8, QuotaSettings.NONE);
             Gateway gateway = Gateway.start(pool.gatewayConfig().build())) {
            Map<String, Object> tool = Json.object("type", "function", "function", Json.object("name", "get_time"));
            JsonNode chat = post(gateway.baseUrl() + "/chat/completions", pool.alphaKey, Json.object(
                    "model", PoolFixture.MODEL, "max_tokens", 4, "tools", List.of(tool),
                    "messages", List.of(Json.object("role", "user", "content", "What time is it?"))), 400);
            assertThat(chat.at("/error/code").asString()).isEqualTo("unsupported_feature");
            assertThat(chat.at("/error/message").asString()).contains("calls no tools");

            JsonNode response = post(gateway.baseUrl() + "/responses", pool.alphaKey, Json.object(
                    "model", PoolFixture.MODEL, "max_output_tokens", 4, "input", List.of(
                            Json.object("type", "function_call_output", "call_id", "call_1", "output", "12:00"))),
                    400);
            assertThat(response.at("/error/code").asString()).isEqualTo("unsupported_feature");

            // Without tools the same pool answers.
            post(gateway.baseUrl() + "/chat/completions", pool.alphaKey, Json.object("model", PoolFixture.MODEL,
                    "max_tokens", 4, "messages", List.of(Json.object("role", "user", "content", "Hi."))), 200);
        }
    }

    private JsonNode post(String url, String key, Map<String, Object> body, int status) throws Exception {
        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create(url))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .timeout(Duration.ofMinutes(1)).POST(HttpRequest.BodyPublishers.ofString(Json.write(body))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(status);
        return Json.mapper().readTree(answer.body());
    }
}
