package dev.parley.gateway.openai;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.schemas.Choice;
import dev.parley.schemas.FinishReason;
import dev.parley.schemas.Reply;
import dev.parley.schemas.ReplyStatus;
import dev.parley.schemas.TokenLogprob;
import dev.parley.schemas.ToolCall;
import dev.parley.schemas.ToolCallDelta;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Tool calls leave the gateway in OpenAI's shape, whole in a completion and in pieces in a stream. */
class CompletionJsonTest {

    private static JsonNode json(Object value) {
        return Json.mapper().readTree(Json.write(value));
    }

    @Test
    void aReplyThatCallsToolsIsACompletionWithToolCallsNullContentAndFinishReasonToolCalls() {
        Reply reply = Reply.builder().requestId("r1").conversationId("c").status(ReplyStatus.OK)
                .finishReason(FinishReason.TOOL_CALLS).turn(1)
                .toolCalls(List.of(ToolCall.of("call_1", "get_weather", "{\"city\": \"Paris\"}"))).build();

        JsonNode choice = json(CompletionJson.completion(reply, "m", 1)).get("choices").get(0);

        assertThat(choice.get("finish_reason").asString()).isEqualTo("tool_calls");
        assertThat(choice.get("message").get("content").isNull()).isTrue();
        assertThat(choice.get("message").get("tool_calls")).isEqualTo(Json.mapper().readTree("""
                [{"id": "call_1", "type": "function",
                  "function": {"name": "get_weather", "arguments": "{\\"city\\": \\"Paris\\"}"}}]"""));
    }

    @Test
    void aReplyOfSeveralAnswersIsOneChoicePerAnswerInIndexOrder() {
        TokenLogprob entry = new TokenLogprob("B", -0.25, List.of(66), List.of());
        Reply reply = Reply.builder().requestId("r1").conversationId("c").status(ReplyStatus.OK).content("Blue")
                .finishReason(FinishReason.STOP).turn(1).choices(List.of(
                        new Choice(0, "Blue", FinishReason.STOP, 1, null),
                        new Choice(1, "Red and", FinishReason.LENGTH, 2, List.of(entry)))).build();

        JsonNode choices = json(CompletionJson.completion(reply, "m", 1)).get("choices");

        assertThat(choices).hasSize(2);
        assertThat(choices.get(0).get("index").asInt()).isZero();
        assertThat(choices.get(0).get("message").get("content").asString()).isEqualTo("Blue");
        assertThat(choices.get(1).get("index").asInt()).isEqualTo(1);
        assertThat(choices.get(1).get("message").get("role").asString()).isEqualTo("assistant");
        assertThat(choices.get(1).get("message").get("content").asString()).isEqualTo("Red and");
        assertThat(choices.get(1).get("finish_reason").asString()).isEqualTo("length");
        assertThat(choices.get(1).get("logprobs").get("content").get(0).get("token").asString()).isEqualTo("B");
        assertThat(json(CompletionJson.chunk("r1", "m", 1, 1, java.util.Map.of("content", "x"), null, null))
                .get("choices").get(0).get("index").asInt()).isEqualTo(1);
    }

    @Test
    void aTextReplyKeepsItsShape() {
        Reply reply = Reply.builder().requestId("r1").conversationId("c").status(ReplyStatus.OK).content("hi")
                .finishReason(FinishReason.STOP).turn(1).build();

        JsonNode message = json(CompletionJson.completion(reply, "m", 1)).get("choices").get(0).get("message");

        assertThat(message.get("content").asString()).isEqualTo("hi");
        assertThat(message.has("tool_calls")).isFalse();
    }

    @Test
    void aReasoningModelsThinkingIsTheMessagesReasoningContentBesideItsAnswer() {
        Reply reply = Reply.builder().requestId("r1").conversationId("c").status(ReplyStatus.OK).content("Yes.")
                .reasoningContent("97 has no divisor up to 9.").finishReason(FinishReason.STOP).turn(1).build();

        JsonNode message = json(CompletionJson.completion(reply, "m", 1)).get("choices").get(0).get("message");

        assertThat(message.get("content").asString()).isEqualTo("Yes.");
        assertThat(message.get("reasoning_content").asString()).isEqualTo("97 has no divisor up to 9.");
    }

    @Test
    void aReplyWithoutReasoningHasNoReasoningContent() {
        Reply reply = Reply.builder().requestId("r1").conversationId("c").status(ReplyStatus.OK).content("hi")
                .finishReason(FinishReason.STOP).turn(1).build();

        JsonNode message = json(CompletionJson.completion(reply, "m", 1)).get("choices").get(0).get("message");

        assertThat(message.has("reasoning_content")).isFalse();
    }

    @Test
    void streamedPiecesLeaveOutWhatTheyDoNotCarry() {
        var first = new ToolCallDelta(0, "call_1", "function", new ToolCall.Function("get_weather", ""));
        var later = new ToolCallDelta(0, null, null, new ToolCall.Function(null, "{\"city\""));

        JsonNode delta = json(CompletionJson.toolCallsDelta(List.of(first, later)));

        assertThat(delta).isEqualTo(Json.mapper().readTree("""
                {"tool_calls": [
                  {"index": 0, "id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": ""}},
                  {"index": 0, "function": {"arguments": "{\\"city\\""}}]}"""));
    }
}
