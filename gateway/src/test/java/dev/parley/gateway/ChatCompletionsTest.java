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
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;

/**
 * The official {@code openai} Python package against a gateway in front of a real worker (real broker, Redis and
 * SmolLM2): completions, streams, conversations mapped onto Parley's history, forks on regenerate and edit, errors,
 * tenants.
 */
@ExtendWith(ParleyInfraExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ChatCompletionsTest {

    private PoolFixture pool;
    private Gateway gateway;
    private RedisHistoryStore history;

    @BeforeAll
    void start(ParleyInfra infra, ParleyInfraExtension.TestModels models) throws Exception {
        OpenAiPython.install();
        pool = new PoolFixture(infra, models, 3); // n=3 takes three sequences
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
        return OpenAiPython.run("chat_scenarios.py", name, pool.pythonEnv(gateway));
    }

    @Test
    void aCompletionInOpenAisShape() throws Exception {
        JsonNode result = scenario("complete");

        assertThat(result.get("object").asString()).isEqualTo("chat.completion");
        assertThat(result.get("id").asString()).startsWith("chatcmpl-");
        assertThat(result.get("model").asString()).isEqualTo(PoolFixture.MODEL);
        assertThat(result.get("content").asString()).isNotBlank();
        assertThat(result.get("finish_reason").asString()).isIn("stop", "length");
        assertThat(result.get("completion_tokens").asInt()).isBetween(1, 12);
        assertThat(result.get("turn").asInt()).isEqualTo(1);
        String conversation = result.get("conversation").asString();
        assertThat(conversation).startsWith("oa.alpha.d.");
        List<HistoryEntry> stored = history.load(conversation);
        assertThat(stored).hasSize(1);
        assertThat(stored.get(0).answer()).isEqualTo(result.get("content").asString());
        assertThat(stored.get(0).system()).startsWith("You are terse.");
    }

    @Test
    void aStreamedCompletionEndsWithUsageAndDone() throws Exception {
        JsonNode result = scenario("stream");

        assertThat(result.get("objects").toString()).isEqualTo("[\"chat.completion.chunk\"]");
        assertThat(result.get("roles").toString()).isEqualTo("[\"assistant\"]");
        assertThat(result.get("pieces").asInt()).isPositive();
        assertThat(result.get("content").asString()).isNotBlank();
        assertThat(result.get("finish_reason").asString()).isIn("stop", "length");
        JsonNode usage = result.get("usage");
        assertThat(usage.get("choices").asInt()).as("the usage chunk has no choices").isZero();
        assertThat(usage.get("completion_tokens").asInt()).isBetween(1, 12);
        assertThat(usage.get("prompt_tokens").asInt()).isPositive();
    }

    @Test
    void threeTurnsResendingTheHistoryContinueOneWarmConversation() throws Exception {
        JsonNode turns = scenario("three_turns").get("turns");

        String conversation = turns.get(0).get("conversation").asString();
        for (int i = 0; i < 3; i++) {
            JsonNode turn = turns.get(i);
            assertThat(turn.get("conversation").asString()).isEqualTo(conversation);
            assertThat(turn.get("turn").asInt()).isEqualTo(i + 1);
            if (i > 0) {
                assertThat(turn.get("cached_tokens").asInt()).as("turn %d reuses the KV cache", i + 1).isPositive();
                assertThat(turn.get("prompt_tokens").asInt()).isGreaterThan(turns.get(i - 1).get("prompt_tokens").asInt());
            }
        }
        List<HistoryEntry> stored = history.load(conversation);
        assertThat(stored).extracting(HistoryEntry::turn).containsExactly(1, 2, 3);
        // Later turns carried only their new message: the history came from Redis, not from the request.
        assertThat(stored.get(1).messages()).containsExactly(ChatMessage.user("Name another one."));
        assertThat(stored.get(2).messages()).containsExactly(ChatMessage.user("And a third?"));
        assertThat(stored.get(1).system()).isNull();
    }

    @Test
    void theConversationHeaderNamesTheConversation() throws Exception {
        JsonNode turns = scenario("header").get("turns");

        String conversation = turns.get(0).get("conversation").asString();
        assertThat(conversation).startsWith("oa.alpha.h.chat-");
        assertThat(turns.get(2).get("conversation").asString()).isEqualTo(conversation);
        assertThat(history.load(conversation)).extracting(HistoryEntry::turn).containsExactly(1, 2, 3);
    }

    @Test
    void aRegeneratedTurnForksAndTheNextTurnFollowsTheFork() throws Exception {
        JsonNode result = scenario("regenerate");

        String original = result.get("first").get("conversation").asString();
        assertThat(result.get("second").get("conversation").asString()).isEqualTo(original);
        String fork = result.get("regenerated").get("conversation").asString();
        assertThat(fork).startsWith(original + "~");
        assertThat(result.get("regenerated").get("turn").asInt()).as("the fork is seeded in one turn").isEqualTo(1);
        assertThat(result.get("after").get("conversation").asString()).isEqualTo(fork);
        assertThat(result.get("after").get("turn").asInt()).isEqualTo(2);

        List<HistoryEntry> old = history.load(original);
        assertThat(old).hasSize(2);
        assertThat(old.get(1).answer()).isEqualTo(result.get("second").get("content").asString());
        List<HistoryEntry> forked = history.load(fork);
        assertThat(forked).hasSize(2);
        assertThat(forked.get(0).messages()).extracting(ChatMessage::content)
                .containsExactly("Say hello.", result.get("first").get("content").asString(), "Say goodbye.");
        assertThat(forked.get(1).messages()).containsExactly(ChatMessage.user("Thanks."));
    }

    @Test
    void anEditedTurnForksAndLeavesTheOriginalAlone() throws Exception {
        JsonNode result = scenario("edit");

        String original = result.get("first").get("conversation").asString();
        assertThat(result.get("second").get("conversation").asString()).isEqualTo(original);
        String fork = result.get("edited").get("conversation").asString();
        assertThat(fork).startsWith(original + "~");
        List<HistoryEntry> old = history.load(original);
        assertThat(old).hasSize(2);
        assertThat(old.get(1).messages()).containsExactly(ChatMessage.user("Pick a vegetable."));
        List<HistoryEntry> forked = history.load(fork);
        assertThat(forked).hasSize(1);
        assertThat(forked.get(0).messages().get(2)).isEqualTo(ChatMessage.user("Pick a tree."));
        assertThat(forked.get(0).system()).startsWith("Edit test.");
    }

    @Test
    void errorsInOpenAisShapeNameTheParameter() throws Exception {
        JsonNode result = scenario("errors");

        assertError(result.get("n"), 400, "n");
        assertThat(result.get("n").get("message").asString()).contains("[1, 8]");
        assertError(result.get("n_with_tools"), 400, "n");
        assertError(result.get("tools"), 400, "tools[0].function.name");
        assertError(result.get("tool_choice"), 400, "tool_choice");
        assertError(result.get("temperature"), 400, "temperature");
        assertError(result.get("top_k_past_a_long"), 400, "top_k");
        assertError(result.get("seed_past_the_schema"), 400, "seed");
        assertError(result.get("unknown_param"), 400, "bogus_knob");
        assertError(result.get("model"), 404, "model");
        assertThat(result.get("model").get("code").asString()).isEqualTo("model_not_found");
        assertThat(result.get("wrong_key").get("status").asInt()).isEqualTo(401);
        assertThat(result.get("wrong_key").get("type").asString()).isEqualTo("AuthenticationError");
        assertThat(result.get("models_wrong_key").get("status").asInt()).isEqualTo(401);
        assertThat(result.get("models").toString()).isEqualTo("[\"" + PoolFixture.MODEL + "\"]");
    }

    /**
     * An agent loop's round with the official client on the native engine: a required call comes back parsed, its
     * arguments valid against the tool's schema; the tool's result leads to a text answer; a named call streams as
     * tool-call deltas that add up to one call, never as text.
     */
    @Test
    void toolCallsWithTheOfficialClient() throws Exception {
        JsonNode result = scenario("tools");
        OutputValidator arguments = OutputValidator.of(ResponseFormat.jsonSchema("arguments", WireJson.mapper()
                .readTree("{\"type\": \"object\", \"additionalProperties\": false, \"required\": [\"city\"], "
                        + "\"properties\": {\"city\": {\"type\": \"string\", \"minLength\": 1, \"maxLength\": 20}}}")));

        assertThat(result.get("finish_reason").asString()).isEqualTo("tool_calls");
        assertThat(result.get("calls")).hasSize(1);
        JsonNode call = result.get("calls").get(0);
        assertThat(call.get("id").asString()).startsWith("call_");
        assertThat(call.get("type").asString()).isEqualTo("function");
        assertThat(call.get("name").asString()).isEqualTo("get_weather");
        assertThat(arguments.problem(call.get("arguments").asString())).isEmpty();

        JsonNode answer = result.get("final");
        assertThat(answer.get("content").asString()).isNotBlank();
        assertThat(answer.get("finish_reason").asString()).isIn("stop", "length");
        assertThat(answer.get("tool_calls").isNull()).isTrue();

        JsonNode streamed = result.get("streamed");
        assertThat(streamed.get("finish_reason").asString()).isEqualTo("tool_calls");
        assertThat(streamed.get("text").asString()).isEmpty();
        assertThat(streamed.get("calls")).singleElement().satisfies(c -> {
            assertThat(c.get("id").asString()).startsWith("call_");
            assertThat(c.get("name").asString()).isEqualTo("get_weather");
            assertThat(arguments.problem(c.get("arguments").asString())).isEmpty();
        });
    }

    @Test
    void samplingControlsAreServedAndHarmlessFieldsIgnored() throws Exception {
        JsonNode result = scenario("sampling");

        assertThat(result.get("ignored").asString()).isNotBlank();
        assertThat(result.get("controls").asString()).isNotBlank();
        assertThat(result.get("seeded").get(1).asString()).as("the same seed on the same worker")
                .isEqualTo(result.get("seeded").get(0).asString()).isNotBlank();
        JsonNode outside = result.get("bias_outside_vocabulary");
        assertError(outside, 400, "logit_bias");
        assertThat(outside.get("code").asString()).isEqualTo("invalid_logit_bias");
        assertThat(outside.get("message").asString()).contains("999999999");
        assertError(result.get("top_logprobs_alone"), 400, "top_logprobs");
    }

    @Test
    void logprobsWithTopLogprobsComeInOpenAisShapeWholeAndStreamed() throws Exception {
        JsonNode result = scenario("logprobs");

        JsonNode entries = result.get("entries");
        assertThat(entries.size()).isEqualTo(result.get("completion_tokens").asInt()).isPositive();
        assertThat(joinedBytes(entries)).isEqualTo(result.get("content").asString());
        for (JsonNode entry : entries) {
            assertThat(entry.get("logprob").asDouble()).isLessThanOrEqualTo(0);
            JsonNode top = entry.get("top");
            assertThat(top.size()).isEqualTo(3);
            // greedy without a penalty: the token chosen is the position's most likely
            assertThat(top.get(0).get("token").asString()).isEqualTo(entry.get("token").asString());
            assertThat(top.get(0).get("logprob").asDouble()).isGreaterThanOrEqualTo(top.get(1).get("logprob").asDouble());
            assertThat(top.get(1).get("logprob").asDouble()).isGreaterThanOrEqualTo(top.get(2).get("logprob").asDouble());
        }
        JsonNode streamed = result.get("streamed");
        assertThat(streamed.size()).isEqualTo(result.get("streamed_tokens").asInt());
        assertThat(joinedBytes(streamed)).isEqualTo(result.get("streamed_text").asString())
                .isEqualTo(result.get("content").asString());
        for (int i = 0; i < streamed.size(); i++) {
            assertThat(streamed.get(i).get("top").size()).isEqualTo(3);
        }
    }

    /**
     * OpenAI's {@code n}: three answers from one prompt, whole and streamed, seeded so both requests give the same
     * three; the streamed deltas of each index add up to that answer, and the usage counts every answer's tokens.
     */
    @Test
    void nGivesThreeChoicesWholeAndStreamedThatAddUp() throws Exception {
        JsonNode result = scenario("choices");

        JsonNode whole = result.get("whole");
        assertThat(whole.get("indexes").toString()).isEqualTo("[0,1,2]");
        assertThat(whole.get("contents")).hasSize(3).allSatisfy(text -> assertThat(text.asString()).isNotBlank());
        // seed + i for answer i: they differ (fixed by the seed, so on every run)
        assertThat(java.util.stream.StreamSupport.stream(whole.get("contents").spliterator(), false).distinct())
                .hasSizeGreaterThan(1);
        assertThat(whole.get("finish_reasons")).allSatisfy(r -> assertThat(r.asString()).isIn("stop", "length"));
        JsonNode streamed = result.get("streamed");
        assertThat(streamed.get("contents")).isEqualTo(whole.get("contents"));
        assertThat(streamed.get("finish_reasons")).isEqualTo(whole.get("finish_reasons"));
        assertThat(streamed.get("roles").toString()).isEqualTo("[0,1,2]");
        assertThat(streamed.get("completion_tokens").asInt()).isEqualTo(whole.get("completion_tokens").asInt())
                .isGreaterThanOrEqualTo(3);
        // the history keeps the first answer only
        assertThat(history.load(whole.get("conversation").asString())).singleElement().satisfies(entry ->
                assertThat(entry.answer()).isEqualTo(whole.get("contents").get(0).asString()));
    }

    /** The text the entries' bytes spell, as OpenAI's clients put a token's pieces together. */
    private static String joinedBytes(JsonNode entries) {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        for (JsonNode entry : entries) {
            entry.get("bytes").forEach(b -> bytes.write(b.asInt()));
        }
        return bytes.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    @Test
    void anotherTenantCannotContinueOrReadAConversation() throws Exception {
        JsonNode result = scenario("tenants");

        String mine = result.get("mine").get("turns").get(0).get("conversation").asString();
        String theirs = result.get("theirs").get("conversation").asString();
        assertThat(mine).startsWith("oa.alpha.");
        assertThat(theirs).startsWith("oa.beta.").isNotEqualTo(mine);
        // Tenant beta's request was answered from what it sent alone: a new conversation, seeded in one turn.
        assertThat(result.get("theirs").get("turn").asInt()).isEqualTo(1);
        assertThat(history.load(mine)).hasSize(3);
    }

    private static void assertError(JsonNode error, int status, String param) {
        assertThat(error.get("status").asInt()).as(error.toString()).isEqualTo(status);
        assertThat(error.get("param").asString()).as(error.toString()).isEqualTo(param);
        assertThat(error.get("message").asString()).as(error.toString()).isNotBlank();
    }
}
