package dev.parley.worker.engine.template;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every case of llama.cpp's own template test ({@code tests/test-chat-template.cpp} of the release the engine runs)
 * that llama.cpp renders through Jinja, rendered here through Jinjava: the same text, byte for byte.
 */
class ChatTemplateCasesTest {

    static Stream<CppTemplateCases.Case> cases() throws Exception {
        return CppTemplateCases.parse(LlamaCppSource.read("tests/test-chat-template.cpp")).stream()
                .filter(CppTemplateCases.Case::jinja);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void rendersAsLlamaCppExpects(CppTemplateCases.Case test) {
        ChatTemplate template = ChatTemplate.compile(test.template(), test.bos(), test.eos());

        assertThat(template.render(test.messages(), true, Map.of())).isEqualTo(test.expected());
    }

    @Test
    void theCasesCoverTheFamiliesWeServe() throws Exception {
        List<String> names = cases().map(CppTemplateCases.Case::name).toList();

        assertThat(names).hasSizeGreaterThan(30);
        for (String family : List.of("Llama-3", "Mistral", "gemma", "Phi-3", "phi-4", "DeepSeek", "deepseek",
                "OpenHermes")) {
            assertThat(names).as(family).anyMatch(name -> name.contains(family));
        }
    }
}
