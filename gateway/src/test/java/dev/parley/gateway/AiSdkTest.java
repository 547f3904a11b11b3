package dev.parley.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.parley.gateway.openai.Json;
import dev.parley.schemas.ResponseFormat;
import dev.parley.schemas.codec.WireJson;
import dev.parley.schemas.format.OutputValidator;
import dev.parley.testkit.ParleyInfra;
import dev.parley.testkit.junit.ParleyInfraExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;

/**
 * The Vercel AI SDK (npm {@code ai}, pinned, installed by the test into gateway/target) against a gateway in front
 * of a real worker (real broker, Redis and SmolLM2): {@code @ai-sdk/openai-compatible} on chat completions and the
 * default provider {@code @ai-sdk/openai}'s {@code openai(model)}, which speaks only the Responses API, each with
 * {@code generateText}, a {@code tool()} and a full round (call, result, answer) under {@code stopWhen}; and
 * {@code streamText} on the Responses API. Tool choices are forced (a named tool, then none), so the small model's
 * steps are deterministic.
 */
@ExtendWith(ParleyInfraExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AiSdkTest {

    private static final String[] PINS = {"ai@7.0.185", "@ai-sdk/openai@4.0.126", "@ai-sdk/openai-compatible@3.0.97",
        "zod@4.6.7"};

    private ClientPackages sdk;
    private PoolFixture pool;
    private Gateway gateway;
    /** What the scenarios' zod schema for get_weather's input amounts to. */
    private final OutputValidator weatherInput = OutputValidator.of(ResponseFormat.jsonSchema("input",
            WireJson.mapper().readTree(ResponsesToolsTest.WEATHER_SCHEMA)));

    @BeforeAll
    void start(ParleyInfra infra, ParleyInfraExtension.TestModels models) throws Exception {
        assumeTrue(available("node") && available("npm"), "Node and npm are not installed");
        sdk = ClientPackages.npm("ai-sdk-node", PINS);
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

    private JsonNode scenario(String name) throws Exception {
        return sdk.run("ai_sdk_scenarios.mjs", name, pool.pythonEnv(gateway));
    }

    @Test
    void theCompatibleProviderCallsARequiredTool() throws Exception {
        JsonNode result = scenario("compatible_tool");

        assertThat(result.get("finish_reason").asString()).isEqualTo("tool-calls");
        assertThat(result.get("text").asString()).isEmpty();
        assertThat(result.get("calls")).singleElement().satisfies(this::isAWeatherCall);
    }

    @Test
    void theCompatibleProviderRunsAToolRoundToItsAnswer() throws Exception {
        assertAFullRound(scenario("compatible_round"));
    }

    @Test
    void theDefaultProviderGeneratesAndStreamsTextThroughTheResponsesApi() throws Exception {
        JsonNode text = scenario("responses_text");

        assertThat(text.get("response_id").asString()).startsWith("resp_");
        assertThat(text.get("model").asString()).isEqualTo(PoolFixture.MODEL);
        assertThat(text.get("text").asString()).isNotBlank();
        assertThat(text.get("finish_reason").asString()).isIn("stop", "length");
        assertThat(text.get("output_tokens").asInt()).isBetween(1, 12);
        assertThat(text.get("next_text").asString()).isNotBlank();
        // The second turn sent the first answer by reference; the gateway read it from the stored response.
        assertThat(text.get("input_types").toString())
                .isEqualTo("[[\"message\"],[\"message\",\"item_reference\",\"message\"]]");
        JsonNode items = get("/responses/" + text.get("next_response_id").asString() + "/input_items?order=asc");
        assertThat(items.get("data").get(1).get("role").asString()).isEqualTo("assistant");
        assertThat(items.get("data").get(1).get("content").get(0).get("text").asString())
                .isEqualTo(text.get("text").asString());

        JsonNode stream = scenario("responses_stream");
        List<String> pieces = new ArrayList<>();
        stream.get("pieces").forEach(piece -> pieces.add(piece.asString()));
        assertThat(pieces).hasSizeGreaterThan(1);
        assertThat(String.join("", pieces)).isEqualTo(stream.get("text").asString()).isNotBlank();
        assertThat(stream.get("finish_reason").asString()).isIn("stop", "length");
        assertThat(stream.get("output_tokens").asInt()).isBetween(1, 12);
    }

    @Test
    void theDefaultProviderRunsAToolRoundAndStreamsACallThroughTheResponsesApi() throws Exception {
        JsonNode round = scenario("responses_round");

        assertAFullRound(round);
        assertThat(round.get("input_types").toString())
                .isEqualTo("[[\"message\"],[\"message\",\"function_call\",\"function_call_output\"]]");
        round.get("steps").forEach(step -> assertThat(step.get("response_id").asString()).startsWith("resp_"));

        JsonNode streamed = scenario("responses_stream_tool");
        List<String> types = new ArrayList<>();
        streamed.get("types").forEach(type -> types.add(type.asString()));
        assertThat(types).containsSubsequence("tool-input-start", "tool-input-delta", "tool-input-end", "tool-call");
        assertThat(types).doesNotContain("text-delta", "error");
        assertThat(streamed.get("finish_reason").asString()).isEqualTo("tool-calls");
        assertThat(streamed.get("calls")).singleElement().satisfies(call -> {
            isAWeatherCall(call);
            assertThat(Json.mapper().readTree(streamed.get("deltas").asString())).as("the deltas add up to the call")
                    .isEqualTo(call.get("input"));
        });
    }

    /** Step 1 calls get_weather, the SDK runs it and sends its result; step 2 answers in text. */
    private void assertAFullRound(JsonNode result) {
        JsonNode steps = result.get("steps");
        assertThat(steps).hasSize(2);
        JsonNode call = steps.get(0).get("calls").get(0);
        assertThat(steps.get(0).get("finish_reason").asString()).isEqualTo("tool-calls");
        assertThat(steps.get(0).get("calls")).hasSize(1);
        isAWeatherCall(call);
        assertThat(result.get("executed").toString()).isEqualTo("[" + call.get("input").get("city") + "]");
        assertThat(steps.get(0).get("results")).singleElement().satisfies(r -> {
            assertThat(r.get("id").asString()).isEqualTo(call.get("id").asString());
            assertThat(r.get("output").get("weather").asString()).isEqualTo("sunny, 21 C");
        });
        assertThat(steps.get(1).get("calls")).isEmpty();
        assertThat(steps.get(1).get("text").asString()).isNotBlank().isEqualTo(result.get("text").asString());
        assertThat(result.get("finish_reason").asString()).isIn("stop", "length");
    }

    private void isAWeatherCall(JsonNode call) {
        assertThat(call.get("name").asString()).isEqualTo("get_weather");
        assertThat(call.get("id").asString()).startsWith("call_");
        assertThat(weatherInput.problem(call.get("input").toString())).isEmpty();
    }

    private JsonNode get(String path) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(gateway.baseUrl() + path))
                .header("Authorization", "Bearer " + pool.alphaKey).GET().build();
        HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return Json.mapper().readTree(response.body());
    }

    private static boolean available(String command) {
        try {
            Process p = new ProcessBuilder(command, "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (Exception e) {
            return false;
        }
    }
}
