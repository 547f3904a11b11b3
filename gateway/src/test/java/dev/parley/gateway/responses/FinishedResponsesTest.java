package dev.parley.gateway.responses;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.gateway.openai.Json;
import dev.parley.schemas.ErrorInfo;
import dev.parley.schemas.FinishReason;
import dev.parley.schemas.Reply;
import dev.parley.schemas.ReplyStatus;
import dev.parley.schemas.ToolCall;
import dev.parley.schemas.Usage;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * A gateway that did not take the request (replaying its stream, completing a background response another gateway
 * sent) finishes the response from what it was before the reply: it must be the object the taking gateway makes.
 */
class FinishedResponsesTest {

    private static final String REQUEST_ID = "0b6f1c2e-3d4a-4b5c-8d9e-0f1a2b3c4d5e";

    private final ResponseRequest request = new ResponseRequestParser().parse(Json.readObject("""
            {"model": "m", "input": "hi", "instructions": "Be brief.", "max_output_tokens": 9, "temperature": 0.5,
             "metadata": {"run": "x"}, "text": {"format": {"type": "text"}}, "background": true}
            """.getBytes(StandardCharsets.UTF_8)));

    private static Reply.Builder reply() {
        return Reply.builder().requestId(REQUEST_ID).conversationId("c").status(ReplyStatus.OK).content("Hello.")
                .finishReason(FinishReason.STOP).usage(new Usage(12, 4, 0, 3)).turn(2).model("m").worker("w");
    }

    private JsonNode before(boolean queued) {
        return Json.mapper().valueToTree(queued ? ResponseJson.queued(request, REQUEST_ID, 1700000000)
                : ResponseJson.inProgress(request, REQUEST_ID, 1700000000));
    }

    @Test
    void aCompletedOrCutOffResponseIsTheOneTheTakingGatewayMakes() {
        Reply calling = reply().content(null).finishReason(FinishReason.TOOL_CALLS)
                .toolCalls(List.of(ToolCall.of("call_1", "weather", "{\"city\":\"Oslo\"}"))).build();
        for (Reply answered : new Reply[] {reply().build(), reply().finishReason(FinishReason.LENGTH).build(), calling}) {
            String expected = Json.write(ResponseJson.finished(request, answered, 1700000000));

            assertThat(Json.write(FinishedResponses.from(before(false), answered))).isEqualTo(expected);
            assertThat(Json.write(FinishedResponses.from(before(true), answered))).isEqualTo(expected);
        }
    }

    @Test
    void anErrorReplyFailsTheResponseWithItsCode() {
        Reply failed = reply().status(ReplyStatus.ERROR).content(null)
                .error(new ErrorInfo("generation_failed", "engine broke")).build();

        JsonNode response = Json.mapper().valueToTree(FinishedResponses.from(before(true), failed));

        assertThat(response.get("status").asString()).isEqualTo("failed");
        assertThat(response.get("error").get("message").asString()).isNotBlank();
        assertThat(response.get("output").isEmpty()).isTrue();
    }

    @Test
    void onlyAResponseStillAwaitingItsReplyIsStoredOver() {
        assertThat(BackgroundCompletions.awaiting(before(true))).isTrue();
        JsonNode completed = Json.mapper().valueToTree(ResponseJson.finished(request, reply().build(), 1700000000));
        assertThat(BackgroundCompletions.awaiting(completed)).as("stored already: a second read changes nothing")
                .isFalse();
        tools.jackson.databind.node.ObjectNode cancelled = (tools.jackson.databind.node.ObjectNode) before(true);
        cancelled.put("status", "cancelled");
        assertThat(BackgroundCompletions.awaiting(cancelled)).as("cancelled here, the worker's reply still to come")
                .isTrue();
        cancelled.set("parley", completed.get("parley"));
        assertThat(BackgroundCompletions.awaiting(cancelled)).as("the worker's cancelled reply stored").isFalse();
    }
}
