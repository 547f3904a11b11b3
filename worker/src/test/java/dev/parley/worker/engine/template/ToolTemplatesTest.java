package dev.parley.worker.engine.template;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.schemas.ChatMessage;
import dev.parley.schemas.Tool;
import dev.parley.schemas.ToolCall;
import dev.parley.schemas.codec.WireJson;
import dev.parley.worker.engine.tools.ToolRendering;
import dev.parley.worker.engine.tools.ToolSyntax;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Tools through the real templates llama.cpp keeps in its source: each family's call syntax is told from its
 * template, and the turn after a call (tools, the call, the tool's result, the model's cue) renders with all three
 * shown (in the template's own way, or in the generic form for a template that shows no tools).
 */
class ToolTemplatesTest {

    private static final Tool WEATHER = Tool.function("get_weather", "Today's weather in a city", WireJson.mapper()
            .readTree("{\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\"}}, \"required\": [\"city\"]}"));

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "Qwen-Qwen2.5-7B-Instruct, HERMES",
            "Qwen-Qwen3-0.6B, HERMES",
            "NousResearch-Hermes-2-Pro-Llama-3-8B-tool_use, HERMES",
            "meta-llama-Llama-3.1-8B-Instruct, LLAMA3",
            "meta-llama-Llama-3.3-70B-Instruct, LLAMA3",
            "mistralai-Mistral-Nemo-Instruct-2407, MISTRAL",
            "google-gemma-2-2b-it, GENERIC",
            "microsoft-Phi-3.5-mini-instruct, GENERIC"})
    void aConversationWithToolsRendersTheToolsTheCallAndItsResult(String name, ToolSyntax syntax) throws Exception {
        String source = LlamaCppSource.read("models/templates/" + name + ".jinja");
        TranscriptTemplate template = TranscriptTemplate.forModel(name, source, "<s>", "</s>", false).orElseThrow();

        List<ChatMessage> messages = List.of(ChatMessage.system("You are helpful."),
                ChatMessage.user("Weather in Paris?"),
                ChatMessage.assistant(null, List.of(ToolCall.of("abc123XYZ", "get_weather", "{\"city\": \"Paris\"}"))),
                ChatMessage.tool("abc123XYZ", "sunny, 21 C"));
        String text = template.render(messages, Map.of("tools", ToolRendering.variable(List.of(WEATHER)))).text();

        assertThat(template.toolSyntax()).isEqualTo(syntax);
        assertThat(text).contains("Today's weather in a city") // the tool's definition
                .contains("Paris\"") // the call's arguments, written as JSON
                .contains("sunny, 21 C");
    }
}
