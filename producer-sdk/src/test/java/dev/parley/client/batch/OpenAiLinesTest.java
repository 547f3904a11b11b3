package dev.parley.client.batch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.schemas.FinishReason;
import dev.parley.schemas.Reply;
import dev.parley.schemas.ReplyStatus;
import dev.parley.schemas.TokenLogprob;
import dev.parley.schemas.codec.WireJson;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** An output line's choice in OpenAI's shape, its log probabilities included when the line asked for them. */
class OpenAiLinesTest {

    private static final BatchLine LINE = BatchLine.parse("{\"custom_id\":\"c1\",\"body\":{\"logprobs\":true,"
            + "\"top_logprobs\":1,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}}");

    private static Reply.Builder reply() {
        return Reply.builder().requestId("r1").conversationId("c").status(ReplyStatus.OK).content("Hi")
                .finishReason(FinishReason.STOP).turn(1);
    }

    @Test
    void aChoiceCarriesItsLogprobsAsOpenAiWritesThem() {
        TokenLogprob hi = new TokenLogprob("Hi", -0.25, List.of(72, 105),
                List.of(new TokenLogprob.Alternative("Hi", -0.25, List.of(72, 105))));

        JsonNode choice = WireJson.mapper().readTree(OpenAiLines.result(LINE, reply().logprobs(List.of(hi)).build(), 1))
                .at("/response/body/choices/0");
        JsonNode plain = WireJson.mapper().readTree(OpenAiLines.result(LINE, reply().build(), 1))
                .at("/response/body/choices/0");

        JsonNode entry = choice.at("/logprobs/content/0");
        assertThat(entry.get("token").asString()).isEqualTo("Hi");
        assertThat(entry.get("logprob").asDouble()).isEqualTo(-0.25);
        assertThat(entry.get("bytes").toString()).isEqualTo("[72,105]");
        assertThat(entry.at("/top_logprobs/0/token").asString()).isEqualTo("Hi");
        assertThat(choice.at("/logprobs/refusal").isNull()).isTrue();
        assertThat(plain.get("logprobs").isNull()).isTrue();
    }
}
