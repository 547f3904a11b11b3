package dev.parley.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.client.ParleyClient;
import dev.parley.client.SendOptions;
import dev.parley.schemas.ChatMessage;
import dev.parley.schemas.GenerationParams;
import dev.parley.schemas.Reply;
import dev.parley.testkit.ParleyInfra;
import dev.parley.testkit.junit.ParleyInfraExtension;
import dev.parley.worker.engine.Transcript;
import dev.parley.worker.engine.cpp.NativeEngine;
import dev.parley.worker.engine.llama.LlamaCppEngine;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The native engine prompts SmolLM2 with the model's own chat template (its GGUF's {@code tokenizer.chat_template},
 * rendered with Jinjava), not llama.cpp's built-in ChatML: the template adds a default system prompt when the
 * conversation has none, which the built-in one does not.
 */
@ExtendWith({ParleyInfraExtension.class, EngineExtension.class})
class ModelTemplateTest {

    /** What SmolLM2's template writes when the first message is not a system message. */
    private static final String DEFAULT_SYSTEM =
            "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n";
    private static final String BUILT_IN_CHATML = "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n";

    @Test
    void theNativeEngineRendersTheModelsOwnTemplate(NativeEngine engine) {
        assertThat(engine.render(new Transcript(null, List.of(), List.of(ChatMessage.user("Hi")))))
                .isEqualTo(DEFAULT_SYSTEM + BUILT_IN_CHATML);
        assertThat(engine.render(new Transcript("Be brief.", List.of(), List.of(ChatMessage.user("Hi")))))
                .isEqualTo("<|im_start|>system\nBe brief.<|im_end|>\n" + BUILT_IN_CHATML);
    }

    @Test
    void aTurnThroughKafkaIsPromptedWithTheTemplatesText(ParleyInfra infra, NativeEngine engine,
                                                          LlamaCppEngine reference) throws Exception {
        try (WorkerHarness harness = new WorkerHarness(infra, 1)) {
            harness.startWorker("template-worker", engine);
            ParleyClient client = harness.client();

            Reply reply = client.send(harness.prefix + "-t", "Hi", SendOptions.builder()
                    .params(GenerationParams.DEFAULTS.withMaxTokens(4).withTemperature(0)).build()).join();

            assertThat(reply.isOk()).isTrue();
            // The template's text, its own system prompt included, is the prompt the model was shown (counted by
            // the other engine's tokenizer, control strings recognised).
            assertThat(reply.usage().promptTokens())
                    .isEqualTo(reference.tokenize(DEFAULT_SYSTEM + BUILT_IN_CHATML).length)
                    .isGreaterThan(reference.tokenize(BUILT_IN_CHATML).length);
        }
    }

    @Test
    void smolLm2DoesNotReasonAloudAndTemplateVariablesItDoesNotReadChangeNothing(ParleyInfra infra,
            NativeEngine engine, LlamaCppEngine reference) throws Exception {
        assertThat(engine.reasoning(new Transcript(null, List.of(), List.of(ChatMessage.user("Hi")))))
                .as("SmolLM2's template shows no reasoning markers").isEmpty();
        try (WorkerHarness harness = new WorkerHarness(infra, 1)) {
            harness.startWorker("template-vars-worker", engine);

            Reply reply = harness.client().send(harness.prefix + "-v", "Hi", SendOptions.builder()
                    .params(GenerationParams.DEFAULTS.withMaxTokens(4).withTemperature(0))
                    .chatTemplateKwargs(Map.of("enable_thinking", false)).reasoningEffort("low").build()).join();

            assertThat(reply.isOk()).as("%s", reply).isTrue();
            assertThat(reply.reasoningContent()).isNull();
            assertThat(reply.usage().promptTokens()).as("the same prompt as without the variables")
                    .isEqualTo(reference.tokenize(DEFAULT_SYSTEM + BUILT_IN_CHATML).length);
        }
    }
}
