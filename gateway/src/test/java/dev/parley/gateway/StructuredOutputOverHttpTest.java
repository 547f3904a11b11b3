package dev.parley.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.gateway.openai.Json;
import dev.parley.schemas.ResponseFormat;
import dev.parley.schemas.format.OutputValidator;
import dev.parley.testkit.ParleyInfra;
import dev.parley.testkit.junit.ParleyInfraExtension;
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

/** {@code response_format} through the OpenAI-compatible gateway to a worker with the real small model and back. */
@ExtendWith(ParleyInfraExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StructuredOutputOverHttpTest {

    private static final Map<String, Object> SCHEMA = Json.object("type", "object", "additionalProperties", false,
            "required", List.of("city", "country"), "properties", Json.object(
                    "city", Json.object("type", "string", "maxLength", 24),
                    "country", Json.object("type", "string", "maxLength", 24)));

    private PoolFixture pool;
    private Gateway gateway;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    void start(ParleyInfra infra, ParleyInfraExtension.TestModels models) {
        pool = new PoolFixture(infra, models);
        gateway = Gateway.start(pool.gatewayConfig().build());
    }

    @AfterAll
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (pool != null) {
            pool.close();
        }
    }

    private HttpResponse<String> chat(int maxTokens, Object schema) throws Exception {
        String body = Json.write(Json.object("model", PoolFixture.MODEL, "max_tokens", maxTokens, "temperature", 0.7,
                "messages", List.of(Json.object("role", "user", "content", "Name a city and its country as JSON. "
                        + System.nanoTime())),
                "response_format", Json.object("type", "json_schema", "json_schema",
                        Json.object("name", "place", "strict", true, "schema", schema))));
        HttpRequest request = HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/chat/completions"))
                .header("Authorization", "Bearer " + pool.alphaKey).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aJsonSchemaCompletionMatchesTheSchema() throws Exception {
        HttpResponse<String> response = chat(80, SCHEMA);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode choice = Json.mapper().readTree(response.body()).get("choices").get(0);
        String content = choice.get("message").get("content").asString();
        assertThat(choice.get("finish_reason").asString()).isEqualTo("stop");
        ResponseFormat format = ResponseFormat.jsonSchema("place", Json.mapper().valueToTree(SCHEMA));
        assertThat(OutputValidator.of(format).problem(content)).as(content).isEmpty();
    }

    @Test
    void jsonCutOffByMaxTokensComesBackAsOpenAiDoesWithFinishReasonLength() throws Exception {
        HttpResponse<String> response = chat(3, SCHEMA);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode completion = Json.mapper().readTree(response.body());
        assertThat(completion.get("choices").get(0).get("finish_reason").asString()).isEqualTo("length");
        assertThat(completion.get("choices").get(0).get("message").get("content").asString()).startsWith("{");
        assertThat(completion.get("parley").get("status").asString()).isEqualTo("error");
    }

    @Test
    void aSchemaOutsideTheSubsetIsA400NamingTheKeyword() throws Exception {
        HttpResponse<String> response = chat(8, Json.object("type", "object", "properties",
                Json.object("city", Json.object("type", "string", "pattern", "^[A-Z]"))));

        assertThat(response.statusCode()).isEqualTo(400);
        JsonNode error = Json.mapper().readTree(response.body()).get("error");
        assertThat(error.get("param").asString()).isEqualTo("response_format.json_schema.schema.properties.city.pattern");
        assertThat(error.get("message").asString()).contains("unsupported keyword 'pattern'");
    }
}
