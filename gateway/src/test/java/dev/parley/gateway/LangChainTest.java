package dev.parley.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.gateway.openai.Json;
import dev.parley.schemas.ResponseFormat;
import dev.parley.schemas.codec.WireJson;
import dev.parley.schemas.format.OutputValidator;
import dev.parley.testkit.ParleyInfra;
import dev.parley.testkit.junit.ParleyInfraExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;

/**
 * LangChain's {@code ChatOpenAI} ({@code langchain-openai}, pinned, installed by the test into gateway/target)
 * against a gateway in front of a real worker (real broker, Redis and SmolLM2): {@code bind_tools} with a required
 * call, the tool's result and the answer, and a named call streamed; {@code with_structured_output} of a Pydantic
 * model (by JSON schema and by function calling); and {@code use_responses_api=True}: invoke, stream and the same tool
 * round on the Responses API.
 */
@ExtendWith(ParleyInfraExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LangChainTest {

    private static final String[] PINS = {"langchain-openai==1.8.1", "langchain-core==1.8.3", "openai==3.63.0"};
    /** The arguments {@code get_weather(city: str)} takes: a city and nothing else. */
    private static final String CITY_ARGUMENT = "{\"type\": \"object\", \"required\": [\"city\"], "
            + "\"additionalProperties\": false, \"properties\": {\"city\": {\"type\": \"string\"}}}";

    private ClientPackages langchain;
    private PoolFixture pool;
    private Gateway gateway;
    private final OutputValidator weatherArguments = OutputValidator.of(ResponseFormat.jsonSchema("args",
            WireJson.mapper().readTree(CITY_ARGUMENT)));

    @BeforeAll
    void start(ParleyInfra infra, ParleyInfraExtension.TestModels models) throws Exception {
        langchain = ClientPackages.pip("langchain-python", PINS);
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
        return langchain.run("langchain_scenarios.py", name, pool.pythonEnv(gateway));
    }

    @Test
    void boundToolsAreCalledAnsweredAndStreamed() throws Exception {
        JsonNode result = scenario("tools");

        assertAToolRound(result.get("round"));
        assertAStreamedCall(result.get("streamed"));
    }

    @Test
    void structuredOutputFillsThePydanticModel() throws Exception {
        JsonNode result = scenario("structured");

        assertThat(result.get("types").toString()).isEqualTo("[\"City\",\"City\"]");
        for (String method : new String[] {"json_schema", "function_calling"}) {
            JsonNode city = result.get(method);
            assertThat(city.get("city").asString()).as(method).isNotBlank().hasSizeLessThanOrEqualTo(30);
            assertThat(city.get("country").asString()).as(method).isNotBlank().hasSizeLessThanOrEqualTo(30);
        }
    }

    @Test
    void theResponsesApiInvokesStreamsAndCallsTools() throws Exception {
        JsonNode result = scenario("responses");

        assertThat(result.get("response_id").asString()).startsWith("resp_");
        assertThat(result.get("text").asString()).isNotBlank();
        assertThat(result.get("usage").get("input_tokens").asInt()).isPositive();
        assertThat(result.get("usage").get("output_tokens").asInt()).isBetween(1, 64);
        assertThat(result.get("streamed").asString()).isNotBlank();
        assertThat(result.get("chunks").asInt()).isGreaterThan(1);
        assertAToolRound(result.get("round"));
        assertAStreamedCall(result.get("streamed_call"));
    }

    /** A required get_weather call with valid arguments; the tool's result answered in text, calling nothing more. */
    private void assertAToolRound(JsonNode round) {
        assertThat(round.get("calls")).singleElement().satisfies(this::isAWeatherCall);
        assertThat(round.get("result").asString()).startsWith("sunny, 21 C in ");
        assertThat(round.get("answer").asString()).isNotBlank();
        assertThat(round.get("answer_calls")).isEmpty();
    }

    /** A named call streamed in chunks whose argument pieces add up to the call LangChain assembled. */
    private void assertAStreamedCall(JsonNode streamed) {
        assertThat(streamed.get("calls")).singleElement().satisfies(call -> {
            isAWeatherCall(call);
            assertThat(Json.mapper().readTree(streamed.get("chunk_args").asString())).isEqualTo(call.get("args"));
        });
    }

    private void isAWeatherCall(JsonNode call) {
        assertThat(call.get("name").asString()).isEqualTo("get_weather");
        assertThat(call.get("id").asString()).startsWith("call_");
        assertThat(weatherArguments.problem(call.get("args").toString())).isEmpty();
    }
}
