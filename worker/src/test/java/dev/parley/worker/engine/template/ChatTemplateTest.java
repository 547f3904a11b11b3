package dev.parley.worker.engine.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Jinja as Hugging Face's templates use it, piece by piece (the real templates are in {@link RealTemplatesTest}). */
class ChatTemplateTest {

    private static String render(String template, Map<String, Object> variables) {
        return ChatTemplate.compile(template, "<s>", "</s>")
                .render(List.of(ChatTemplate.message("user", "Hi")), false, variables);
    }

    @Test
    void aMessageIsNeverInterpretedAsATemplate() {
        ChatTemplate template = ChatTemplate.compile("{% for m in messages %}{{ m.content }}{% endfor %}", "", "");

        assertThat(template.render(List.of(ChatTemplate.message("user", "{{ 7 * 7 }}{% if true %}x{% endif %}")),
                false, Map.of())).isEqualTo("{{ 7 * 7 }}{% if true %}x{% endif %}");
    }

    @Test
    void aLoopFilterKeepsOnlyMatchingItemsAndLoopLastCountsThem() {
        Map<String, Object> tool = new LinkedHashMap<>();
        tool.put("name", "f");
        tool.put("return", "x");

        assertThat(render("{% for k, v in tool.items() if k != 'return' %}{{ k }}={{ v }}{% if not loop.last %},"
                + "{% endif %}{% endfor %}|{% for n in [1, 2, 3, 4] if n % 2 == 0 %}{{ n }}{{ ';' if not loop.last }}"
                + "{% endfor %}", Map.of("tool", tool))).isEqualTo("name=f|2;4");
    }

    @Test
    void pythonStringMethodsAndJsonAsTransformersWritesIt() {
        assertThat(render("{{ '  a b  '.strip() }}|{{ 'xxaxx'.strip('x') }}|{{ 'a</think>b'.split('</think>')[-1] }}"
                + "|{{ 'tool_x'.startswith('tool') }}|{{ 'hello world'.title() }}|{{ 'a b  c'.split() | length }}",
                Map.of())).isEqualTo("a b|a|b|true|Hello World|3");
        assertThat(render("{{ x | tojson }}|{{ x | tojson(indent=2) }}",
                Map.of("x", Map.of("k", List.of(1, "é\"")))))
                .isEqualTo("{\"k\": [1, \"é\\\"\"]}|{\n  \"k\": [\n    1,\n    \"é\\\"\"\n  ]\n}");
    }

    @Test
    void notBindsLooserThanATestAsInJinja() {
        assertThat(render("{% if not add_generation_prompt is defined %}undefined{% else %}defined{% endif %}"
                + "|{% if not missing is defined %}undefined{% endif %}", Map.of())).isEqualTo("defined|undefined");
    }

    @Test
    void raiseExceptionRefusesTheMessagesWithTheTemplatesReason() {
        ChatTemplate template = ChatTemplate.compile("{% if messages | length > 1 %}{{ raise_exception('only one "
                + "message, please') }}{% endif %}ok", "", "");

        assertThatThrownBy(() -> template.render(List.of(ChatTemplate.message("user", "a"),
                ChatTemplate.message("user", "b")), false, Map.of()))
                .isInstanceOf(TemplateException.class).hasMessageContaining("only one message, please");
    }
}
