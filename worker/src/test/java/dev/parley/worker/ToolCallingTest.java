package dev.parley.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.client.ParleyClient;
import dev.parley.schemas.ChatMessage;
import dev.parley.schemas.Chunk;
import dev.parley.schemas.FinishReason;
import dev.parley.schemas.GenerationParams;
import dev.parley.schemas.Prompt;
import dev.parley.schemas.Reply;
import dev.parley.schemas.ReplyStatus;
import dev.parley.schemas.ResponseFormat;
import dev.parley.schemas.Tool;
import dev.parley.schemas.ToolCall;
import dev.parley.schemas.ToolCallDelta;
import dev.parley.schemas.ToolChoice;
import dev.parley.schemas.codec.WireJson;
import dev.parley.schemas.format.OutputValidator;
import dev.parley.testkit.ParleyInfra;
import dev.parley.testkit.junit.ParleyInfraExtension;
import dev.parley.worker.engine.Transcript;
import dev.parley.worker.engine.cpp.NativeEngine;
import dev.parley.worker.history.HistoryEntry;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Tool calling through a worker: Kafka, the native engine on the real small model (SmolLM2, whose template shows no
 * tools, so calls take the generic JSON form) and Redis. The model picks tools poorly on its own, so the calls are
 * forced ({@code required}, a named function) and sampled under the call's grammar: each comes back parsed, with
 * arguments valid against its tool's schema, streamed as a tool-call delta rather than text, and stored with the
 * turn so that the tool's result and the final answer follow in the same conversation. A forced call cut off
 * before it closes is an {@code invalid_output} error, not a call.
 */
@ExtendWith({ParleyInfraExtension.class, EngineExtension.class})
class ToolCallingTest {

    private static final Tool WEATHER = Tool.function("get_weather", "The weather in a city", WireJson.mapper()
            .readTree("""
                    {"type": "object", "additionalProperties": false, "required": ["city"],
                     "properties": {"city": {"type": "string", "minLength": 1, "maxLength": 20}}}"""));
    private static final Tool TIME = Tool.function("get_time", "The time in a time zone", WireJson.mapper()
            .readTree("""
                    {"type": "object", "additionalProperties": false, "required": ["zone"],
                     "properties": {"zone": {"enum": ["UTC", "CET", "PST"]}}}"""));
    private static final List<Tool> TOOLS = List.of(WEATHER, TIME);
    private static final GenerationParams PARAMS = GenerationParams.DEFAULTS.withMaxTokens(64).withTemperature(0.7)
            .withSeed(7);

    @Test
    void aForcedCallIsParsedStreamedAndStoredAndTheToolResultLeadsToAnAnswer(ParleyInfra infra, NativeEngine engine)
            throws Exception {
        try (WorkerHarness harness = new WorkerHarness(infra, 2)) {
            harness.startWorker("tools-worker", engine);
            ParleyClient client = harness.client();
            String conversation = harness.prefix + "-tools";
            List<Chunk> chunks = new CopyOnWriteArrayList<>();

            Reply call = client.sendStreamed(prompt(conversation, "-0", ChatMessage.user("Weather in Paris?"),
                    ToolChoice.REQUIRED), Duration.ofMinutes(2), chunks::add).join();
            Reply named = client.send(prompt(conversation, "-1", ChatMessage.user("And the time?"),
                    ToolChoice.function("get_time"))).join();
            ToolCall first = call.toolCalls().get(0);
            Reply answer = client.send(prompt(conversation, "-2", ChatMessage.tool(first.id(), "{\"result\": "
                    + "\"sunny, 21 C\"}"), ToolChoice.NONE)).join();

            assertThat(call.status()).as("%s", call).isEqualTo(ReplyStatus.OK);
            assertThat(call.finishReason()).isEqualTo(FinishReason.TOOL_CALLS);
            assertThat(call.toolCalls()).hasSize(1);
            assertThat(first.id()).startsWith("call_");
            assertValidCall(first);
            // streamed as one tool-call delta, never as the call's raw text
            assertThat(chunks).extracting(Chunk::delta).allSatisfy(d -> assertThat(d).doesNotContain("\"name\""));
            List<ToolCallDelta> deltas = chunks.stream().map(Chunk::toolCalls).filter(Objects::nonNull)
                    .flatMap(List::stream).toList();
            assertThat(deltas).containsExactly(new ToolCallDelta(0, first.id(), Tool.FUNCTION, first.function()));

            assertThat(named.status()).as("%s", named).isEqualTo(ReplyStatus.OK);
            assertThat(named.toolCalls()).singleElement().satisfies(c -> {
                assertThat(c.name()).isEqualTo("get_time");
                assertValidCall(c);
            });

            assertThat(answer.status()).as("%s", answer).isEqualTo(ReplyStatus.OK);
            assertThat(answer.toolCalls()).isNull();
            assertThat(answer.finishReason()).isIn(FinishReason.STOP, FinishReason.LENGTH);
            assertThat(answer.content()).isNotBlank();

            List<HistoryEntry> history = harness.history(conversation);
            assertThat(history).extracting(HistoryEntry::turn).containsExactly(1, 2, 3);
            assertThat(history.get(0).toolCalls()).isEqualTo(call.toolCalls());
            assertThat(history.get(1).toolCalls()).isEqualTo(named.toolCalls());
            assertThat(history.get(2).messages()).containsExactly(ChatMessage.tool(first.id(),
                    "{\"result\": \"sunny, 21 C\"}"));
            assertThat(history.get(2).toolCalls()).isNull();

            // rehydrated, the conversation shows the model its own call and the tool's result
            String rendered = engine.render(new Transcript(null,
                    history.stream().map(HistoryEntry::toExchange).toList(), List.of(ChatMessage.user("Thanks."))));
            assertThat(rendered).contains("\"name\": \"" + first.name() + "\", \"arguments\": " + first.arguments())
                    .contains("sunny, 21 C");
            // a forced call cut off before it closes is an error that stays out of the conversation
            Reply cut = client.send(Prompt.builder().requestId(conversation + "-3").conversationId(conversation)
                    .messages(List.of(ChatMessage.user("Weather in Oslo?"))).params(PARAMS.withMaxTokens(4))
                    .tools(TOOLS).toolChoice(ToolChoice.REQUIRED).build()).join();
            assertThat(cut.status()).as("%s", cut).isEqualTo(ReplyStatus.ERROR);
            assertThat(cut.error().code()).isEqualTo("invalid_output");
            assertThat(cut.finishReason()).isEqualTo(FinishReason.LENGTH);
            assertThat(cut.toolCalls()).isNull();
            assertThat(harness.history(conversation)).hasSize(3);
            // a redelivered request gets the stored call again, same id
            assertThat(client.send(prompt(conversation, "-0", ChatMessage.user("Weather in Paris?"),
                    ToolChoice.REQUIRED)).join().toolCalls()).isEqualTo(call.toolCalls());
        }
    }

    private static Prompt prompt(String conversation, String suffix, ChatMessage message, ToolChoice choice) {
        return Prompt.builder().requestId(conversation + suffix).conversationId(conversation)
                .messages(List.of(message)).params(PARAMS).tools(TOOLS).toolChoice(choice).build();
    }

    private static void assertValidCall(ToolCall call) {
        Tool tool = TOOLS.stream().filter(t -> t.name().equals(call.name())).findFirst().orElseThrow(
                () -> new AssertionError("not a tool: " + call.name()));
        assertThat(OutputValidator.of(ResponseFormat.jsonSchema("arguments", tool.function().parameters()))
                .problem(call.arguments())).as(call.arguments()).isEmpty();
    }
}
