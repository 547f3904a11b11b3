package dev.parley.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.schemas.ChatMessage;
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
 * The official {@code openai} Python package's {@code client.responses} against a gateway in front of a real worker
 * (real broker, Redis and SmolLM2): create, stream, retrieve, delete, input items, and {@code previous_response_id}
 * chains that continue the worker's warm conversation, across a gateway restart, and fork when continued from an
 * older response.
 */
@ExtendWith(ParleyInfraExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ResponsesTest {

    private PoolFixture pool;
    private Gateway gateway;
    private RedisHistoryStore history;

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

    private JsonNode scenario(String name, String... args) throws Exception {
        return OpenAiPython.run("responses_scenarios.py", name, pool.pythonEnv(gateway), args);
    }

    @Test
    void aStringInputIsAnsweredInTheResponsesShape() throws Exception {
        JsonNode result = scenario("simple");

        assertThat(result.get("object").asString()).isEqualTo("response");
        assertThat(result.get("id").asString()).startsWith("resp_");
        assertThat(result.get("status").asString()).isIn("completed", "incomplete");
        assertThat(result.get("model").asString()).isEqualTo(PoolFixture.MODEL);
        assertThat(result.get("output_text").asString()).isNotBlank();
        assertThat(result.get("output_tokens").asInt()).isBetween(1, 12);
        assertThat(result.get("total_tokens").asInt())
                .isEqualTo(result.get("input_tokens").asInt() + result.get("output_tokens").asInt());
        assertThat(result.get("metadata").get("run").asString()).isNotBlank();
        assertThat(result.get("instructions").asString()).isEqualTo("You are terse.");
        String conversation = result.get("conversation").asString();
        assertThat(conversation).as("prompt_cache_key names the conversation").startsWith("oa.alpha.h.pck-");
        List<HistoryEntry> stored = history.load(conversation);
        assertThat(stored).hasSize(1);
        assertThat(stored.get(0).system()).isEqualTo("You are terse.");
        assertThat(stored.get(0).answer()).isEqualTo(result.get("output_text").asString());
    }

    @Test
    void aMessageListInputSeedsTheConversationWithItsHistory() throws Exception {
        JsonNode result = scenario("messages");

        List<HistoryEntry> stored = history.load(result.get("conversation").asString());
        assertThat(stored).hasSize(1);
        assertThat(stored.get(0).system()).startsWith("Answer in one word.");
        assertThat(stored.get(0).messages()).containsExactly(ChatMessage.user("Name a colour."),
                ChatMessage.assistant("Red."), ChatMessage.user("Name another one."));
    }

    @Test
    void aJsonSchemaTextFormatConstrainsTheOutput() throws Exception {
        JsonNode result = scenario("schema");

        assertThat(result.get("format").asString()).isEqualTo("json_schema");
        assertThat(result.get("status").asString()).isEqualTo("completed");
        assertThat(result.get("parsed").get("city").isString()).isTrue();
    }

    @Test
    void aChainOfThreeContinuesOneWarmConversationAcrossAGatewayRestart() throws Exception {
        List<JsonNode> turns = new ArrayList<>();
        turns.add(scenario("turn", "-", "Name a colour."));
        turns.add(scenario("turn", turns.get(0).get("id").asString(), "Name another one."));
        gateway.close();
        gateway = Gateway.start(pool.gatewayConfig().build());
        turns.add(scenario("turn", turns.get(1).get("id").asString(), "And a third?"));

        String conversation = turns.get(0).get("conversation").asString();
        for (int i = 0; i < 3; i++) {
            JsonNode turn = turns.get(i);
            assertThat(turn.get("conversation").asString()).isEqualTo(conversation);
            assertThat(turn.get("turn").asInt()).isEqualTo(i + 1);
            if (i > 0) {
                assertThat(turn.get("previous_response_id").asString()).isEqualTo(turns.get(i - 1).get("id").asString());
                assertThat(turn.get("cached_tokens").asInt()).as("turn %d reuses the KV cache", i + 1).isPositive();
            }
        }
        List<HistoryEntry> stored = history.load(conversation);
        assertThat(stored).extracting(HistoryEntry::turn).containsExactly(1, 2, 3);
        // Later turns carried only their new input: the history came from the worker's Redis, not the request.
        assertThat(stored.get(1).messages()).containsExactly(ChatMessage.user("Name another one."));
        assertThat(stored.get(2).messages()).containsExactly(ChatMessage.user("And a third?"));
    }

    @Test
    void continuingAnOlderResponseForksWithItsChain() throws Exception {
        JsonNode first = scenario("turn", "-", "Name a fruit.");
        JsonNode second = scenario("turn", first.get("id").asString(), "Name another one.");
        JsonNode branch = scenario("turn", first.get("id").asString(), "Name a vegetable instead.");

        String conversation = first.get("conversation").asString();
        assertThat(second.get("conversation").asString()).isEqualTo(conversation);
        assertThat(branch.get("conversation").asString()).startsWith(conversation + "~");
        assertThat(history.load(conversation)).as("the original is left as it was").hasSize(2);
        List<HistoryEntry> fork = history.load(branch.get("conversation").asString());
        assertThat(fork).hasSize(1);
        assertThat(fork.get(0).messages()).containsExactly(ChatMessage.user("Name a fruit."),
                ChatMessage.assistant(first.get("output_text").asString()), ChatMessage.user("Name a vegetable instead."));
        assertThat(fork.get(0).system()).startsWith("You are a helpful assistant.");
    }

    @Test
    void streamedEventsAddUpToTheStoredText() throws Exception {
        JsonNode result = scenario("stream");

        List<String> types = new ArrayList<>();
        result.get("types").forEach(t -> types.add(t.asString()));
        assertThat(types.subList(0, 4)).containsExactly("response.created", "response.in_progress",
                "response.output_item.added", "response.content_part.added");
        assertThat(types.subList(types.size() - 4, types.size())).containsExactly("response.output_text.done",
                "response.content_part.done", "response.output_item.done",
                result.get("final_status").asString().equals("completed") ? "response.completed" : "response.incomplete");
        assertThat(types.stream().filter(t -> t.equals("response.output_text.delta")).count())
                .isEqualTo(result.get("pieces").asLong()).isPositive();
        List<Integer> sequence = new ArrayList<>();
        result.get("sequence").forEach(n -> sequence.add(n.asInt()));
        for (int i = 0; i < sequence.size(); i++) {
            assertThat(sequence.get(i)).isEqualTo(i);
        }
        String text = result.get("deltas").asString();
        assertThat(text).isNotBlank();
        assertThat(result.get("done_text").asString()).isEqualTo(text);
        assertThat(result.get("final_text").asString()).isEqualTo(text);
        assertThat(result.get("stored_text").asString()).isEqualTo(text);
    }

    @Test
    void storedResponsesAreRetrievedListedAndDeletedPerTenant() throws Exception {
        JsonNode result = scenario("lifecycle");

        assertThat(result.get("retrieved_id").asString()).isEqualTo(result.get("id").asString());
        assertThat(result.get("retrieved_text").asString()).isEqualTo(result.get("text").asString());
        assertThat(result.get("items").toString()).contains("\"user\"").contains("Say hi.");
        assertThat(result.get("other_tenant").asInt()).isEqualTo(404);
        assertThat(result.get("unstored").asInt()).as("store: false keeps nothing").isEqualTo(404);
        assertThat(result.get("after_delete").asInt()).isEqualTo(404);
        assertThat(result.get("continue_deleted").asInt()).isEqualTo(404);
    }

    @Test
    void aBackgroundResponseIsAnsweredAtOnceAndCompletedThroughKafka() throws Exception {
        JsonNode result = scenario("background");

        assertThat(result.get("first_status").asString()).isEqualTo("queued");
        assertThat(result.get("background").asBoolean()).isTrue();
        assertThat(result.get("status").asString()).isIn("completed", "incomplete");
        assertThat(result.get("output_text").asString()).isNotBlank();
        assertThat(result.get("output_tokens").asInt()).isBetween(1, 12);
        List<HistoryEntry> stored = history.load(result.get("conversation").asString());
        assertThat(stored).hasSize(1);
        assertThat(stored.get(0).answer()).isEqualTo(result.get("output_text").asString());
    }

    @Test
    void aCancelledBackgroundResponseStaysCancelledAndCannotBeContinued() throws Exception {
        JsonNode result = scenario("cancel");

        assertThat(result.get("first_status").asString()).isEqualTo("queued");
        assertThat(result.get("cancel_status").asString()).isEqualTo("cancelled");
        assertThat(result.get("worker_replied").asBoolean()).as("the worker's cancelled reply is stored").isTrue();
        assertThat(result.get("status").asString()).isEqualTo("cancelled");
        assertThat(result.get("continue_queued").asInt()).isEqualTo(400);
    }

    @Test
    void anIdempotencyKeyAnswersOnceAndRefusesAnotherBody() throws Exception {
        for (String route : List.of("responses", "chat", "stream")) {
            String key = "idem-" + route + "-" + System.nanoTime();
            JsonNode first = scenario("idempotent", route, key, "Tell me a story.");
            JsonNode again = scenario("idempotent", route, key, "Tell me a story.");
            JsonNode other = scenario("idempotent", route, key, "Tell me something else.");
            JsonNode fresh = scenario("idempotent", route, key + "-2", "Tell me a story.");

            assertThat(first.get("status").asInt()).as(route).isEqualTo(200);
            assertThat(first.get("replayed").isNull()).as(route).isTrue();
            assertThat(again.get("status").asInt()).as(route).isEqualTo(200);
            assertThat(again.get("replayed").asString()).as(route).isEqualTo("true");
            assertThat(again.get("id").asString()).as(route + ": the first answer").isEqualTo(first.get("id").asString());
            assertThat(again.get("text").asString()).as(route + ": a stream is replayed whole")
                    .isEqualTo(first.get("text").asString()).isNotBlank();
            assertThat(other.get("status").asInt()).as(route + ": another body").isEqualTo(409);
            assertThat(other.get("code").asString()).isEqualTo("idempotency_key_conflict");
            assertThat(fresh.get("id").asString()).as(route + ": another key runs again").isNotEqualTo(first.get("id").asString());
        }
    }
}
