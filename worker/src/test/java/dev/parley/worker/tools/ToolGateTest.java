package dev.parley.worker.tools;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.schemas.Prompt;
import dev.parley.schemas.TestVectors;
import dev.parley.schemas.codec.WireJson;
import dev.parley.schemas.validation.PromptDecoder;
import dev.parley.schemas.validation.Rejection;
import dev.parley.worker.engine.EngineInfo;
import dev.parley.worker.engine.Generation;
import dev.parley.worker.engine.GenerationRequest;
import dev.parley.worker.engine.InferenceEngine;
import dev.parley.worker.engine.TokenListener;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Tool calling on an engine that cannot do it is refused at intake, with a code and the field that asked for it. */
class ToolGateTest {

    /** An engine that is only asked what it can do; a prompt that reached generate() would be a failure here. */
    private static InferenceEngine engine(boolean callsTools) {
        return new InferenceEngine() {
            @Override
            public EngineInfo info() {
                return new EngineInfo("smollm2-135m", 1, 2048);
            }

            @Override
            public Generation generate(GenerationRequest request, TokenListener listener) {
                throw new AssertionError("the gate decides before any generation");
            }

            @Override
            public boolean callsTools() {
                return callsTools;
            }

            @Override
            public void close() {
            }
        };
    }

    private static List<TestVectors.Valid> vectors() {
        return TestVectors.locate().validPrompts();
    }

    @Test
    void everyValidPromptThatAsksForToolsIsRefusedAsUnsupportedAndTheOthersPass() {
        PromptDecoder decoder = new PromptDecoder().checking(new ToolGate(engine(false)));
        int refused = 0;
        for (TestVectors.Valid vector : vectors()) {
            Prompt prompt = WireJson.fromBytes(vector.bytes(), Prompt.class);
            var result = decoder.decode(prompt.conversationId(), vector.bytes());
            if (!prompt.usesTools()) {
                assertThat(result).as(vector.name()).isInstanceOf(PromptDecoder.Accepted.class);
                continue;
            }
            assertThat(result).as(vector.name()).isInstanceOf(PromptDecoder.Rejected.class);
            Rejection rejection = ((PromptDecoder.Rejected) result).rejection();
            assertThat(rejection.code().wireName()).isEqualTo("unsupported_feature");
            assertThat(rejection.field()).isEqualTo("$.tools");
            assertThat(rejection.reason()).startsWith(rejection.field() + ": tool calling is not supported")
                    .contains("smollm2-135m");
            refused++;
        }
        assertThat(refused).as("tool vectors in schemas/test-vectors").isGreaterThanOrEqualTo(5);
    }

    @Test
    void anEngineThatCallsToolsGetsThem() {
        PromptDecoder decoder = new PromptDecoder().checking(new ToolGate(engine(true)));
        for (TestVectors.Valid vector : vectors()) {
            Prompt prompt = WireJson.fromBytes(vector.bytes(), Prompt.class);
            assertThat(decoder.decode(prompt.conversationId(), vector.bytes())).as(vector.name())
                    .isInstanceOf(PromptDecoder.Accepted.class);
        }
    }

    @Test
    void aToolResultWithoutToolsIsRefusedNamingTheMessage() {
        Prompt prompt = Prompt.builder().requestId("r").conversationId("c").messages(List.of(
                dev.parley.schemas.ChatMessage.user("weather?"),
                dev.parley.schemas.ChatMessage.assistant(null, List.of(
                        dev.parley.schemas.ToolCall.of("call_1", "get_weather", "{}"))),
                dev.parley.schemas.ChatMessage.tool("call_1", "21 C"))).build();

        Rejection rejection = new ToolGate(engine(false)).check(prompt);

        assertThat(rejection.field()).isEqualTo("$.messages[1]");
    }
}
