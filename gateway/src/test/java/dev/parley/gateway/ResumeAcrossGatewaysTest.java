package dev.parley.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.testkit.ParleyInfra;
import dev.parley.testkit.ProjectFiles;
import dev.parley.testkit.junit.ParleyInfraExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;

/**
 * Two gateways as OS processes in front of one real worker (real broker, Redis and SmolLM2), driven by the official
 * {@code openai} Python package: a {@code previous_response_id} chain of three across a SIGKILL and restart of its
 * gateway; a stream cut on one gateway and resumed on the other with {@code starting_after} (Responses) or
 * {@code Last-Event-ID} (chat), every event delivered exactly once; a background response whose gateway is killed
 * right after sending it, completed and retrieved on the other.
 */
@ExtendWith(ParleyInfraExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ResumeAcrossGatewaysTest {

    /** Long enough for a resume to arrive before the hung-up stream is cancelled, on a loaded machine. */
    private static final Duration GRACE = Duration.ofSeconds(60);
    private static final Path LOGS = ProjectFiles.resolve("gateway/target/gateway-processes");

    private PoolFixture pool;
    private GatewayProcess a;
    private GatewayProcess b;
    private int starts;

    @BeforeAll
    void start(ParleyInfra infra, ParleyInfraExtension.TestModels models) throws Exception {
        OpenAiPython.install();
        pool = new PoolFixture(infra, models);
        a = startGateway();
        b = startGateway();
    }

    @AfterAll
    void stop() throws Exception {
        for (GatewayProcess gateway : new GatewayProcess[] {a, b}) {
            if (gateway != null) {
                gateway.close();
            }
        }
        if (pool != null) {
            pool.close();
        }
    }

    private GatewayProcess startGateway() throws Exception {
        return GatewayProcess.start(pool, GRACE, LOGS.resolve(pool.prefix + "-" + (starts++) + ".log"));
    }

    /** SIGKILLs gateway A and starts it again (a new process, a new port). */
    private void killAndRestartA() throws Exception {
        a.kill();
        a = startGateway();
    }

    private JsonNode run(String script, String scenario, GatewayProcess at, String... args) throws Exception {
        Map<String, String> env = new HashMap<>(at.pythonEnv(pool));
        env.put("OTHER_BASE_URL", b.baseUrl());
        return OpenAiPython.run(script, scenario, env, args);
    }

    @Test
    void aChainOfThreeContinuesAcrossASigkillOfItsGateway() throws Exception {
        JsonNode first = run("responses_scenarios.py", "turn", a, "-", "My name is Ada. Say hello.");
        JsonNode second = run("responses_scenarios.py", "turn", a, first.get("id").asString(), "What is my name?");
        killAndRestartA();
        JsonNode third = run("responses_scenarios.py", "turn", a, second.get("id").asString(), "Say it again.");

        assertThat(third.get("previous_response_id").asString()).isEqualTo(second.get("id").asString());
        assertThat(second.get("previous_response_id").asString()).isEqualTo(first.get("id").asString());
        assertThat(List.of(first, second, third)).extracting(turn -> turn.get("conversation").asString())
                .as("one conversation: the restarted gateway found the chain in Redis").containsOnly(
                        first.get("conversation").asString());
        assertThat(List.of(first, second, third)).extracting(turn -> turn.get("turn").asInt()).containsExactly(1, 2, 3);
        assertThat(third.get("output_text").asString()).isNotBlank();
        assertThat(third.get("cached_tokens").asInt()).as("the worker still held the conversation warm")
                .isPositive();
    }

    @Test
    void aResponseStreamCutOnOneGatewayResumesOnTheOtherWithEveryEventOnce() throws Exception {
        JsonNode result = run("resume_scenarios.py", "cut_stream", a, "3");

        List<Integer> sequence = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        for (String part : List.of("first", "resumed")) {
            for (JsonNode event : result.get(part)) {
                sequence.add(event.get("seq").asInt());
                text.append(event.path("delta").asString(""));
            }
        }
        JsonNode resumed = result.get("resumed");
        assertThat(resumed.size()).as("the resume delivered the rest").isPositive();
        assertThat(sequence).as("every event once, in order, none missing")
                .isEqualTo(java.util.stream.IntStream.range(0, sequence.size()).boxed().toList());
        JsonNode last = resumed.get(resumed.size() - 1);
        assertThat(last.get("type").asString()).isIn("response.completed", "response.incomplete");
        assertThat(text.toString()).as("the deltas of both halves make the final text")
                .isEqualTo(last.get("text").asString()).isNotBlank();
    }

    @Test
    void aChatStreamCutOnOneGatewayResumesOnTheOtherWithLastEventId() throws Exception {
        JsonNode result = run("resume_scenarios.py", "chat_cut", a, "2");

        List<String> ids = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        String requestId = null;
        for (String part : List.of("first", "resumed")) {
            for (JsonNode event : result.get(part)) {
                String data = event.get(1).asString();
                if (data.equals("[DONE]")) {
                    continue;
                }
                String id = event.get(0).asString();
                requestId = id.substring(0, id.lastIndexOf(':'));
                ids.add(id);
                JsonNode chunk = dev.parley.gateway.openai.Json.mapper().readTree(data);
                text.append(chunk.get("choices").get(0).get("delta").path("content").asString(""));
            }
        }
        JsonNode resumed = result.get("resumed");
        assertThat(resumed.get(resumed.size() - 1).get(1).asString()).isEqualTo("[DONE]");
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < ids.size(); i++) {
            expected.add(requestId + ":" + i);
        }
        assertThat(ids).as("every event once, in order, none missing").isEqualTo(expected);
        assertThat(text.toString()).isNotBlank();
    }

    @Test
    void aBackgroundResponseCompletesOnTheOtherGatewayWhenItsOwnIsKilled() throws Exception {
        JsonNode queued = run("resume_scenarios.py", "background_start", a);
        killAndRestartA(); // before the reply comes: only another gateway can store it
        JsonNode answered = run("resume_scenarios.py", "background_wait", b, queued.get("id").asString());

        assertThat(queued.get("status").asString()).isEqualTo("queued");
        assertThat(answered.get("status").asString()).as(answered.toString()).isIn("completed", "incomplete");
        assertThat(answered.get("output_text").asString()).isNotBlank();
        assertThat(answered.get("worker").asString()).isEqualTo(pool.prefix + "-worker");
    }

    @Test
    void resumingAStreamNoGatewayKnowsIsAnErrorNotAHang() throws Exception {
        JsonNode result = run("resume_scenarios.py", "unknown_stream", a);

        assertThat(result.get("status").asInt()).isEqualTo(404);
        assertThat(result.get("code").asString()).isEqualTo("stream_not_found");
    }
}
