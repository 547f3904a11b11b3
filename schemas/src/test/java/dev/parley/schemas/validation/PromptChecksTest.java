package dev.parley.schemas.validation;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Checks added with {@link PromptDecoder#checking} all apply, in the order they were added. */
class PromptChecksTest {

    private static final byte[] PROMPT = "{\"request_id\":\"r\",\"conversation_id\":\"c\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"
            .getBytes(StandardCharsets.UTF_8);

    @Test
    void laterChecksAddToEarlierOnesAndTheFirstRefusalWins() {
        List<String> asked = new ArrayList<>();
        PromptDecoder decoder = new PromptDecoder()
                .checking(prompt -> {
                    asked.add("model");
                    return null;
                })
                .checking(prompt -> {
                    asked.add("tools");
                    return new Rejection(RejectionCode.UNSUPPORTED_FEATURE, "$.tools", "$.tools: no");
                })
                .checking(prompt -> {
                    asked.add("never");
                    return null;
                });

        var result = decoder.decode("c", PROMPT);

        assertThat(asked).containsExactly("model", "tools");
        assertThat(((PromptDecoder.Rejected) result).rejection().code()).isEqualTo(RejectionCode.UNSUPPORTED_FEATURE);
    }

    @Test
    void aPromptOnlyAConsumersCheckRefusedComesWithTheRefusalSoItsSenderCanBeTold() {
        PromptDecoder decoder = new PromptDecoder()
                .checking(prompt -> new Rejection(RejectionCode.UNKNOWN_MODEL, "$.model", "$.model: not here"));

        var refused = (PromptDecoder.Rejected) decoder.decode("c", PROMPT);
        // a check every consumer makes (here the key) refuses it before: its reply_to is not to be trusted
        var wrongKey = (PromptDecoder.Rejected) decoder.decode("other", PROMPT);
        var notJson = (PromptDecoder.Rejected) decoder.decode("c", "{".getBytes(StandardCharsets.UTF_8));

        assertThat(refused.rejection().code()).isEqualTo(RejectionCode.UNKNOWN_MODEL);
        assertThat(refused.prompt()).isNotNull();
        assertThat(refused.prompt().requestId()).isEqualTo("r");
        assertThat(wrongKey.rejection().code()).isEqualTo(RejectionCode.KEY_MISMATCH);
        assertThat(wrongKey.prompt()).isNull();
        assertThat(notJson.prompt()).isNull();
    }
}
