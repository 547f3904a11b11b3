package dev.parley.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.schemas.codec.WireJson;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** {@link Prompt#newBuilder()} and {@link Reply#newBuilder()} copy every field, so a copy never loses one. */
class ContractBuildersTest {

    static List<TestVectors.Valid> validPrompts() {
        return TestVectors.locate().validPrompts();
    }

    static List<TestVectors.Valid> validReplies() {
        return TestVectors.locate().validReplies();
    }

    @ParameterizedTest
    @MethodSource("validPrompts")
    void aPromptsBuilderRebuildsItExactly(TestVectors.Valid vector) {
        Prompt prompt = WireJson.fromBytes(vector.bytes(), Prompt.class);

        Prompt copy = prompt.newBuilder().build();

        assertThat(copy).isEqualTo(prompt);
        assertThat(WireJson.toString(copy)).isEqualTo(WireJson.toString(prompt));
    }

    @ParameterizedTest
    @MethodSource("validReplies")
    void aRepliesBuilderRebuildsItExactly(TestVectors.Valid vector) {
        Reply reply = WireJson.fromBytes(vector.bytes(), Reply.class);

        Reply copy = reply.newBuilder().build();

        assertThat(copy).isEqualTo(reply);
        assertThat(WireJson.toString(copy)).isEqualTo(WireJson.toString(reply));
    }

    @Test
    void eachPromptSetterSetsTheFieldItNames() {
        var messages = List.of(ChatMessage.user("hi"));
        var params = GenerationParams.DEFAULTS.withMaxTokens(3);
        Instant deadline = Instant.parse("2030-01-01T00:00:00Z");
        var tools = List.of(Tool.function("f", "does f", null));
        Prompt expected = new Prompt("r", "c", messages, "sys", "replies", params, true, deadline, Map.of("k", "v"),
                "acme", "m", Priority.BATCH, tools, ToolChoice.REQUIRED, false, Map.of("enable_thinking", false), "low");

        Prompt built = Prompt.builder().requestId("r").conversationId("c").messages(messages).system("sys")
                .replyTo("replies").params(params).stream(true).deadline(deadline).metadata(Map.of("k", "v"))
                .tenant("acme").model("m").priority(Priority.BATCH).tools(tools).toolChoice(ToolChoice.REQUIRED)
                .parallelToolCalls(false).chatTemplateKwargs(Map.of("enable_thinking", false)).reasoningEffort("low")
                .build();

        assertThat(built).isEqualTo(expected);
        assertThat(built.newBuilder().model(null).build().model()).isNull();
        assertThat(built.newBuilder().model(null).build().tenant()).isEqualTo("acme");
    }

    @Test
    void eachReplySetterSetsTheFieldItNames() {
        var usage = new Usage(1, 0, 0, 2);
        var timings = new Timings(1, 2, 3);
        var error = new ErrorInfo("e", "m");
        var calls = List.of(ToolCall.of("call_1", "f", "{}"));
        var logprobs = List.of(new TokenLogprob("text", -0.5, TokenLogprob.bytesOf(new byte[] {116}), List.of()));
        Reply expected = new Reply("r", "c", ReplyStatus.ERROR, "text", FinishReason.LENGTH, usage, timings, 2, 1,
                "m", "w", error, Map.of("k", "v"), calls, "thought", logprobs);

        Reply built = Reply.builder().requestId("r").conversationId("c").status(ReplyStatus.ERROR).content("text")
                .finishReason(FinishReason.LENGTH).usage(usage).timings(timings).turn(2).droppedTurns(1).model("m")
                .worker("w").error(error).metadata(Map.of("k", "v")).toolCalls(calls)
                .reasoningContent("thought").logprobs(logprobs).build();

        assertThat(built).isEqualTo(expected);
    }

    @Test
    void buildingWithoutTheRequiredIdsFailsNamingThem() {
        assertThatThrownBy(() -> Prompt.builder().conversationId("c").messages(List.of(ChatMessage.user("x"))).build())
                .hasMessageContaining("request_id");
        assertThatThrownBy(() -> Reply.builder().requestId("r").conversationId("c").build())
                .hasMessageContaining("status");
    }
}
