package dev.parley.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.schemas.ChatMessage;
import dev.parley.schemas.ResponseFormat;
import dev.parley.schemas.codec.WireJson;
import dev.parley.schemas.format.OutputValidator;
import dev.parley.testkit.ParleyInfra;
import dev.parley.testkit.junit.ParleyInfraExtension;
import dev.parley.worker.history.HistoryEntry;
import dev.parley.worker.history.RedisHistoryStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;

/**
 * Function tools on the Responses API with the official {@code openai} Python package against a gateway in front of
 * a real worker (real broker, Redis and SmolLM2): a required call comes back as a {@code function_call} item whose
 * arguments match the tool's schema, its {@code function_call_output} continues the warm conversation by
 * {@code previous_response_id} (or is sent with the whole history), a named call streams as argument deltas that add
 * up to the call, and a tool OpenAI runs itself is refused.
 */
@ExtendWith(ParleyInfraExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ResponsesToolsTest {

    /** The tool's parameters, as the scenarios declare them. */
    static final String WEATHER_SCHEMA = "{\"type\": \"object\", \"additionalProperties\": false, "
            + "\"required\": [\"city\"], \"properties\": {\"city\": {\"type\": \"string\", \"minLength\": 1, "
            + "\"maxLength\": 20}}}";

    private PoolFixture pool;
    private Gateway gateway;
    private RedisHistoryStore history;
    private final OutputValidator weatherArguments = OutputValidator.of(ResponseFormat.jsonSchema("arguments",
            WireJson.mapper().readTree(WEATHER_SCHEMA)));

    @BeforeAll
    void start(ParleyInfra infra, ParleyInfraExtension.TestModels models) throws Exception {
        OpenAiPython.install();
        pool = new PoolFixture(infra, models);
        gateway = Gateway.start(pool.gatewayConfig().build());
        history = RedisHistoryStore.connect(infra.redisUri(), Duration.ZERO);
    }

    @AfterAll
    void stop() {
        if (history != null) {
            history.close();
        }
        if (gateway != null) {
            gateway.close();
        }
        if (pool != null) {
            pool.close();
        }
    }

    private JsonNode scenario(String name) throws Exception {
        return OpenAiPython.run("responses_tools_scenarios.py", name, pool.pythonEnv(gateway));
    }

    @Test
    void aRequiredCallItsOutputAndTheAnswerContinueOneWarmConversation() throws Exception {
        JsonNode result = scenario("tool_round");

        JsonNode first = result.get("first");
        assertThat(first.get("status").asString()).isEqualTo("completed");
        assertThat(first.get("output_types").toString()).isEqualTo("[\"function_call\"]");
        assertThat(first.get("tools").toString()).isEqualTo("[\"get_weather\"]");
        JsonNode call = first.get("calls").get(0);
        assertThat(call.get("id").asString()).startsWith("fc_");
        assertThat(call.get("call_id").asString()).startsWith("call_");
        assertThat(call.get("name").asString()).isEqualTo("get_weather");
        assertThat(call.get("status").asString()).isEqualTo("completed");
        assertThat(weatherArguments.problem(call.get("arguments").asString())).isEmpty();
        assertThat(result.get("retrieved_calls").get(0)).as("stored as answered").isEqualTo(call);

        JsonNode second = result.get("second");
        assertThat(second.get("output_types").toString()).isEqualTo("[\"message\"]");
        assertThat(second.get("output_text").asString()).isNotBlank();
        assertThat(second.get("conversation").asString()).isEqualTo(first.get("conversation").asString());
        assertThat(second.get("turn").asInt()).isEqualTo(2);
        assertThat(second.get("cached_tokens").asInt()).as("the call's turn stayed warm").isPositive();
        assertThat(result.get("second_items")).singleElement().satisfies(item -> {
            assertThat(item.get("type").asString()).isEqualTo("function_call_output");
            assertThat(item.get("call_id").asString()).isEqualTo(call.get("call_id").asString());
            assertThat(item.get("output").asString()).isEqualTo("sunny, 21 C");
        });
        List<HistoryEntry> stored = history.load(first.get("conversation").asString());
        assertThat(stored).hasSize(2);
        assertThat(stored.get(0).toolCalls()).singleElement().satisfies(c -> {
            assertThat(c.id()).isEqualTo(call.get("call_id").asString());
            assertThat(c.arguments()).isEqualTo(call.get("arguments").asString());
        });
        assertThat(stored.get(1).messages()).containsExactly(ChatMessage.tool(call.get("call_id").asString(),
                "sunny, 21 C"));

        JsonNode stateless = result.get("stateless");
        assertThat(stateless.get("output_types").toString()).isEqualTo("[\"message\"]");
        assertThat(stateless.get("output_text").asString()).isNotBlank();
    }

    @Test
    void aNamedCallStreamsArgumentDeltasThatAddUpToTheCall() throws Exception {
        JsonNode result = scenario("stream");

        List<String> types = new ArrayList<>();
        result.get("types").forEach(t -> types.add(t.asString()));
        assertThat(types).containsExactly("response.created", "response.in_progress", "response.output_item.added",
                "response.function_call_arguments.delta", "response.function_call_arguments.done",
                "response.output_item.done", "response.completed");
        assertThat(result.get("added")).singleElement().satisfies(item -> {
            assertThat(item.get("type").asString()).isEqualTo("function_call");
            assertThat(item.get("output_index").asInt()).isZero();
            assertThat(item.get("name").asString()).isEqualTo("get_weather");
        });
        JsonNode call = result.get("final").get("calls").get(0);
        String itemId = call.get("id").asString();
        assertThat(result.get("deltas").get(itemId).asString()).isEqualTo(call.get("arguments").asString());
        assertThat(result.get("done").get(itemId).asString()).isEqualTo(call.get("arguments").asString());
        assertThat(weatherArguments.problem(call.get("arguments").asString())).isEmpty();
        assertThat(result.get("final").get("output_types").toString()).isEqualTo("[\"function_call\"]");
    }

    @Test
    void aToolOpenAiRunsItselfIsRefusedNamingIt() throws Exception {
        JsonNode result = scenario("hosted");

        assertThat(result.get("status").asInt()).isEqualTo(400);
        assertThat(result.get("code").asString()).isEqualTo("unsupported_feature");
        assertThat(result.get("param").asString()).isEqualTo("tools[0].type");
        assertThat(result.get("message").asString()).contains("web_search");
    }
}
