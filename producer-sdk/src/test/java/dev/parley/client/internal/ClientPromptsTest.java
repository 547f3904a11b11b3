package dev.parley.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.client.SendOptions;
import dev.parley.schemas.Prompt;
import dev.parley.schemas.codec.WireJson;
import dev.parley.schemas.validation.PromptDecoder;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The reasoning options travel with the prompt, in a shape the worker's decoder accepts. */
class ClientPromptsTest {

    @Test
    void templateVariablesAndReasoningEffortTravelWithThePrompt() {
        SendOptions options = SendOptions.builder().chatTemplateKwargs(Map.of("enable_thinking", false))
                .reasoningEffort("low").build();

        Prompt prompt = ClientPrompts.toPrompt("conv-1", "Is 97 prime?", options);

        var decoded = new PromptDecoder().decode("conv-1", WireJson.toBytes(prompt));
        assertThat(decoded).isInstanceOfSatisfying(PromptDecoder.Accepted.class, accepted -> {
            assertThat(accepted.prompt().chatTemplateKwargs()).isEqualTo(Map.of("enable_thinking", false));
            assertThat(accepted.prompt().reasoningEffort()).isEqualTo("low");
        });
        assertThat(options.newBuilder().build().reasoningEffort()).isEqualTo("low");
    }

    @Test
    void withoutThemThePromptHasNeither() {
        Prompt prompt = ClientPrompts.toPrompt("conv-1", "hi", SendOptions.NONE);

        assertThat(WireJson.toString(prompt)).doesNotContain("chat_template_kwargs").doesNotContain("reasoning");
    }
}
