package dev.parley.worker.engine.template;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The real templates llama.cpp keeps in its source ({@code models/templates/*.jinja}), rendered through Jinjava and
 * through Python's Jinja2 in Hugging Face's environment: the same text, with and without tool definitions.
 */
class RealTemplatesTest {

    /** Llama 3.x, Qwen 2.5/3, Mistral, Gemma, Phi, DeepSeek and ChatML-style families, and more. */
    static Stream<String> templates() {
        return Stream.of("meta-llama-Llama-3.1-8B-Instruct", "meta-llama-Llama-3.2-3B-Instruct",
                "meta-llama-Llama-3.3-70B-Instruct", "Qwen-Qwen2.5-7B-Instruct", "Qwen-Qwen3-0.6B", "Qwen-QwQ-32B",
                "Qwen3-Coder",
                "mistralai-Mistral-Nemo-Instruct-2407", "Mistral-Small-3.2-24B-Instruct-2506",
                "unsloth-mistral-Devstral-Small-2507", "google-gemma-2-2b-it", "microsoft-Phi-3.5-mini-instruct",
                "deepseek-ai-DeepSeek-R1-Distill-Llama-8B", "deepseek-ai-DeepSeek-R1-Distill-Qwen-32B",
                "deepseek-ai-DeepSeek-V3.1", "HuggingFaceTB-SmolLM3-3B",
                "NousResearch-Hermes-3-Llama-3.1-8B-tool_use", "NousResearch-Hermes-2-Pro-Llama-3-8B-tool_use",
                "ibm-granite-granite-3.3-2B-Instruct");
    }

    private static List<Map<String, Object>> conversation() {
        List<Map<String, Object>> messages = new ArrayList<>();
        messages.add(ChatTemplate.message("system", "You are a helpful assistant"));
        messages.add(ChatTemplate.message("user", "Hello"));
        messages.add(ChatTemplate.message("assistant", "Hi there"));
        messages.add(ChatTemplate.message("user", "What's the weather in Paris? Say it in \"quotes\"."));
        return messages;
    }

    private static List<Map<String, Object>> tools() {
        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put("type", "object");
        parameters.put("properties", Map.of("city", Map.of("type", "string", "description", "The city")));
        parameters.put("required", List.of("city"));
        Map<String, Object> function = new LinkedHashMap<>();
        function.put("name", "get_weather");
        function.put("description", "Today's weather in a city");
        function.put("parameters", parameters);
        return List.of(Map.of("type", "function", "function", function));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("templates")
    void rendersAsPythonJinjaDoes(String name) throws Exception {
        String source = Files.readString(LlamaCppSource.root().resolve(Path.of("models/templates", name + ".jinja")));
        ChatTemplate template = ChatTemplate.compile(source, "<s>", "</s>");

        for (boolean withTools : new boolean[] {false, true}) {
            Map<String, Object> variables = withTools ? Map.of("tools", tools()) : Map.of();
            String ours = template.render(conversation(), true, variables);

            Map<String, Object> context = new HashMap<>(variables);
            context.put("messages", template.prepare(conversation()));
            context.put("add_generation_prompt", true);
            context.put("bos_token", "<s>");
            context.put("eos_token", "</s>");
            assertThat(ours).as(name + (withTools ? " with tools" : ""))
                    .isEqualTo(PythonJinja.render(source, context))
                    .contains("What's the weather in Paris?");
        }
    }
}
