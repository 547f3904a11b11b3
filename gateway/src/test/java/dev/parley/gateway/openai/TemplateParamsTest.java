package dev.parley.gateway.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.schemas.Prompt;
import dev.parley.schemas.codec.WireJson;
import dev.parley.schemas.validation.PromptDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code chat_template_kwargs} and {@code reasoning_effort} reach the prompt within the wire's bounds, and a reasoning
 * model's thinking leaves the gateway as {@code reasoning_content}, as llama-server and vLLM return it.
 */
class TemplateParamsTest {

    private static final String MESSAGES = "\"model\": \"m\", \"messages\": [{\"role\": \"user\", \"content\": \"x\"}]";

    private final ChatRequestParser parser = new ChatRequestParser();

    private ChatRequest parse(String fields) {
        return parser.parse(Json.readObject(("{" + MESSAGES + fields + "}").getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void kwargsAndEffortReachThePromptAndAWorkerAcceptsIt() {
        ChatRequest request = parse(", \"chat_template_kwargs\": {\"enable_thinking\": false, \"budget\": 512, "
                + "\"temperature_hint\": 0.5, \"style\": \"brief\"}, \"reasoning_effort\": \"high\"");

        Prompt prompt = request.applyTo(Prompt.builder().requestId("r").conversationId("c")
                .messages(request.messages())).build();

        assertThat(prompt.chatTemplateKwargs()).isEqualTo(Map.of("enable_thinking", false, "budget", 512L,
                "temperature_hint", 0.5, "style", "brief"));
        assertThat(prompt.reasoningEffort()).isEqualTo("high");
        assertThat(new PromptDecoder().decode("c", WireJson.toBytes(prompt)))
                .as("what the gateway reads, a worker accepts").isInstanceOfSatisfying(PromptDecoder.Accepted.class,
                        accepted -> assertThat(accepted.prompt().templateVariables()).containsEntry(
                                "enable_thinking", false).containsEntry("reasoning_effort", "high"));
    }

    @Test
    void nullsAndAnEmptyObjectAskForNothing() {
        ChatRequest request = parse(", \"chat_template_kwargs\": {}, \"reasoning_effort\": null");

        Prompt prompt = request.applyTo(Prompt.builder().requestId("r").conversationId("c")
                .messages(request.messages())).build();

        assertThat(prompt.chatTemplateKwargs()).isNull();
        assertThat(prompt.reasoningEffort()).isNull();
        assertThat(WireJson.toString(prompt)).doesNotContain("chat_template_kwargs").doesNotContain("reasoning");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "\"chat_template_kwargs\": [\"enable_thinking\"]        | chat_template_kwargs",
            "\"chat_template_kwargs\": {\"enable thinking\": true}   | chat_template_kwargs",
            "\"chat_template_kwargs\": {\"9lives\": true}            | chat_template_kwargs",
            "\"chat_template_kwargs\": {\"enable_thinking\": {}}     | chat_template_kwargs",
            "\"chat_template_kwargs\": {\"enable_thinking\": null}   | chat_template_kwargs",
            "\"reasoning_effort\": \"extreme\"                      | reasoning_effort",
            "\"reasoning_effort\": 3                                | reasoning_effort",
    })
    void refusesWhatTheWireWouldNotCarryNamingTheParameter(String extra, String param) {
        assertThatThrownBy(() -> parse(", " + extra)).isInstanceOfSatisfying(OpenAiException.class, e -> {
            assertThat(e.status()).isEqualTo(400);
            assertThat(e.param()).isEqualTo(param);
            assertThat(e.code()).isEqualTo("invalid_value");
        });
    }

    @Test
    void refusesMoreVariablesThanThePromptCarriesAndALongString() {
        String many = IntStream.range(0, Prompt.MAX_TEMPLATE_KWARGS + 1).mapToObj(i -> "\"k" + i + "\": " + i)
                .collect(Collectors.joining(", "));
        assertThatThrownBy(() -> parse(", \"chat_template_kwargs\": {" + many + "}"))
                .isInstanceOfSatisfying(OpenAiException.class, e -> assertThat(e.param())
                        .isEqualTo("chat_template_kwargs"));
        assertThatThrownBy(() -> parse(", \"chat_template_kwargs\": {\"s\": \"" + "x".repeat(1001) + "\"}"))
                .isInstanceOf(OpenAiException.class);
    }
}
