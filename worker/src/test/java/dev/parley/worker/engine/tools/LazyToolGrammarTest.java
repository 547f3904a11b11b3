package dev.parley.worker.engine.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.schemas.Tool;
import dev.parley.schemas.codec.WireJson;
import dev.parley.schemas.format.UnsupportedSchemaException;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The lazy grammar of each family: where it starts, what it holds, and that it ends at the end of the text its
 * trigger names (llama.cpp's own checks run in {@code LazyToolGrammarSamplingTest}, on the real library and model).
 */
class LazyToolGrammarTest {

    private static final List<Tool> TOOLS = List.of(Tool.function("get_weather", "The weather",
            WireJson.mapper().readTree("{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},"
                    + "\"required\":[\"city\"]}")));

    @Test
    void hermesStartsAtTheTagAnywhereAndRepeatsOnlyWithParallelCalls() throws Exception {
        LazyToolGrammar parallel = LazyToolGrammar.forFamily(TOOLS, ToolSyntax.HERMES, true);
        LazyToolGrammar single = LazyToolGrammar.forFamily(TOOLS, ToolSyntax.HERMES, false);

        assertThat(fires(parallel, "I will check.\n<tool_call>")).isTrue();
        assertThat(fires(parallel, "<tool_call>\n")).isTrue();
        assertThat(fires(parallel, "<tool_call>{\"")).as("a token past the tag: left unconstrained").isFalse();
        assertThat(fires(parallel, "I will check the weather.")).isFalse();
        assertThat(parallel.gbnf()).startsWith("root ::= \"<tool_call>\" ws tool-call ws \"</tool_call>\" ( ws ")
                .contains("\ntool-call ::= ").contains("\"\\\"arguments\\\"\"");
        assertThat(single.gbnf()).startsWith("root ::= \"<tool_call>\" ws tool-call ws \"</tool_call>\"\n");
    }

    @Test
    void mistralStartsAtItsMarkerWithAnArrayOfCalls() throws Exception {
        LazyToolGrammar single = LazyToolGrammar.forFamily(TOOLS, ToolSyntax.MISTRAL, false);

        assertThat(fires(single, "[TOOL_CALLS]")).isTrue();
        assertThat(fires(single, "[TOOL_CALLS] ")).isTrue();
        assertThat(fires(single, "[TOOL_CALLS]  [{")).isFalse();
        assertThat(single.gbnf()).startsWith("root ::= \"[TOOL_CALLS]\" ws \"[\" ws tool-call ws \"]\"\n");
        assertThat(LazyToolGrammar.forFamily(TOOLS, ToolSyntax.MISTRAL, true).gbnf())
                .startsWith("root ::= \"[TOOL_CALLS]\" ws \"[\" ws tool-call ws ( \",\" ws tool-call ws )* \"]\"");
    }

    @Test
    void llama3StartsAtAnAnswerOpeningWithANamedObjectWithParameters() throws Exception {
        LazyToolGrammar parallel = LazyToolGrammar.forFamily(TOOLS, ToolSyntax.LLAMA3, true);

        assertThat(fires(parallel, "{\"name\":")).isTrue();
        assertThat(fires(parallel, "  {\"name\": \"")).isTrue();
        assertThat(fires(parallel, "<|python_tag|>{\"name\":")).isTrue();
        assertThat(fires(parallel, "Sure: {\"name\":")).as("only at the start of the answer").isFalse();
        assertThat(fires(parallel, "{\"name\": \"get")).isFalse();
        assertThat(parallel.gbnf()).startsWith("root ::= tool-call ( ws \";\" ws tool-call )*\n")
                .contains("\"\\\"parameters\\\"\"").doesNotContain("\"\\\"arguments\\\"\"");
    }

    @Test
    void theGenericFormIsOneObjectEvenWithParallelCalls() throws Exception {
        LazyToolGrammar generic = LazyToolGrammar.forFamily(TOOLS, ToolSyntax.GENERIC, true);

        assertThat(generic.gbnf()).startsWith("root ::= tool-call\n");
        assertThat(fires(generic, "\n{\"name\" : \"")).isTrue();
        assertThat(fires(generic, "<|python_tag|>{\"name\":")).isFalse();
        assertThat(fires(generic, "The answer is {\"name\":")).isFalse();
    }

    @Test
    void aFinishedAnswerStartedACallWhenATriggerMatchedAPrefixOfIt() throws Exception {
        LazyToolGrammar hermes = LazyToolGrammar.forFamily(TOOLS, ToolSyntax.HERMES, true);
        LazyToolGrammar generic = LazyToolGrammar.forFamily(TOOLS, ToolSyntax.GENERIC, true);

        assertThat(hermes.startedIn("Checking.\n<tool_call>\n{\"name\": \"get_wea")).isTrue();
        assertThat(hermes.startedIn("The weather is fine.")).isFalse();
        assertThat(generic.startedIn("{\"name\": \"get_weather\", \"argu")).isTrue();
        assertThat(generic.startedIn("It is {\"name\": 1}")).isFalse();
    }

    @Test
    void aToolTheConverterCannotHoldIsRefusedByName() {
        List<Tool> tools = List.of(Tool.function("odd", "x", WireJson.mapper().readTree(
                "{\"type\":\"object\",\"properties\":{\"a\":{\"$ref\":\"https://example.com/a.json\"}}}")));

        assertThatThrownBy(() -> LazyToolGrammar.forFamily(tools, ToolSyntax.HERMES, true))
                .isInstanceOf(UnsupportedSchemaException.class).hasMessageContaining("$.tools");
    }

    /** Whether llama.cpp would start the grammar with the text generated so far being {@code text}. */
    private static boolean fires(LazyToolGrammar grammar, String text) {
        return grammar.triggers().stream().anyMatch(trigger -> Pattern.compile(trigger).matcher(text).find());
    }
}
