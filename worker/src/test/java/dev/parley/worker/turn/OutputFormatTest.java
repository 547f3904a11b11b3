package dev.parley.worker.turn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.schemas.Prompt;
import dev.parley.schemas.Tool;
import dev.parley.schemas.codec.WireJson;
import dev.parley.schemas.validation.PromptDecoder;
import dev.parley.worker.dispatch.PendingTurn;
import dev.parley.worker.engine.EngineInfo;
import dev.parley.worker.engine.tools.ToolSyntax;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * A prompt's grammar is built once, when the prompt is decoded, and the turn uses that one; tools under {@code auto}
 * are held by a lazy grammar only when the answer is free text.
 */
class OutputFormatTest {

    private static final byte[] PROMPT = ("{\"request_id\":\"r1\",\"conversation_id\":\"c1\",\"messages\":[{\"role\":"
            + "\"user\",\"content\":\"hi\"}],\"params\":{\"response_format\":{\"type\":\"json_schema\",\"json_schema\":"
            + "{\"name\":\"x\",\"schema\":{\"type\":\"object\",\"properties\":{\"n\":{\"type\":\"integer\"}},"
            + "\"required\":[\"n\"]}}}}}").getBytes(StandardCharsets.UTF_8);

    private static final TopicPartition PARTITION = new TopicPartition("prompts", 0);
    private static final EngineInfo ENGINE = new EngineInfo("m", 1, 512, ToolSyntax.GENERIC);

    @Test
    void theTurnUsesTheGrammarTheDecoderBuilt() {
        var accepted = (PromptDecoder.Accepted) new PromptDecoder().decode("c1", PROMPT);
        PendingTurn turn = new PendingTurn(PARTITION, 0, accepted.prompt(), 0, null, accepted.grammar());

        OutputFormat format = OutputFormat.of(turn, ENGINE);

        assertThat(format.constrained()).isTrue();
        assertThat(format.name()).isEqualTo("json_schema");
        assertThat(format.grammar()).isSameAs(accepted.grammar().gbnf()); // the very text, not a rebuilt copy
        assertThat(format.problem("{\"n\":1}")).isEmpty();
        assertThat(format.problem("{\"m\":1}")).isPresent();
    }

    @Test
    void aTurnMadeInProcessBuildsTheSameGrammarItself() {
        var accepted = (PromptDecoder.Accepted) new PromptDecoder().decode("c1", PROMPT);
        PendingTurn turn = new PendingTurn(PARTITION, 0, accepted.prompt(), 0);

        OutputFormat format = OutputFormat.of(turn, ENGINE);

        assertThat(format.grammar()).isEqualTo(accepted.grammar().gbnf()).isNotSameAs(accepted.grammar().gbnf());
    }

    @Test
    void toolsUnderAutoAreHeldByTheFamilysLazyGrammarWhenTheFormatIsFreeText() {
        OutputFormat format = format(tools("\"auto\"", ""), ToolSyntax.HERMES);

        assertThat(format.grammar()).startsWith("root ::= \"<tool_call>\" ws tool-call ws \"</tool_call>\" ( ws ");
        assertThat(format.grammarTriggers()).containsExactly("(<tool_call>[ \\t\\n]{0,16})$");
        assertThat(format.startedHeldCall("Let me check.\n<tool_call>\n{\"name\": \"get_w")).isTrue();
        assertThat(format.startedHeldCall("It is sunny.")).isFalse();
        assertThat(format(tools("\"auto\"", ",\"parallel_tool_calls\":false"), ToolSyntax.HERMES).grammar())
                .as("one call only").startsWith("root ::= \"<tool_call>\" ws tool-call ws \"</tool_call>\"\n");
    }

    @Test
    void aForcedCallOrAResponseFormatIsHeldFromTheFirstToken() {
        OutputFormat required = format(tools("\"required\"", ""), ToolSyntax.HERMES);
        OutputFormat json = format(tools("\"auto\"", ",\"params\":{\"response_format\":{\"type\":\"json_object\"}}"),
                ToolSyntax.HERMES);
        OutputFormat none = format(tools("\"none\"", ""), ToolSyntax.HERMES);

        assertThat(required.grammar()).doesNotContain("tool_call");
        assertThat(required.grammarTriggers()).isEmpty();
        assertThat(json.grammar()).doesNotContain("tool_call");
        assertThat(json.grammarTriggers()).isEmpty();
        assertThat(json.startedHeldCall("<tool_call>")).isFalse();
        assertThat(none.grammar()).isNull();
        assertThat(none.grammarTriggers()).isEmpty();
    }

    @Test
    void aToolTheConverterCannotHoldLeavesAutoUnconstrained() {
        // the prompt decoder refuses such a tool; a prompt made in-process may still carry one
        Prompt prompt = Prompt.of("r1", "c1", "hi").newBuilder().tools(List.of(Tool.function("odd", "x",
                WireJson.mapper().readTree("{\"type\":\"object\",\"properties\":{\"a\":{\"$ref\":"
                        + "\"https://example.com/a\"}}}")))).build();

        OutputFormat format = OutputFormat.of(new PendingTurn(PARTITION, 0, prompt, 0),
                new EngineInfo("m", 1, 512, ToolSyntax.GENERIC));

        assertThat(format.grammar()).isNull();
        assertThat(format.grammarTriggers()).isEmpty();
        assertThat(format.tools().active()).isTrue();
    }

    private static byte[] tools(String choice, String more) {
        return ("{\"request_id\":\"r1\",\"conversation_id\":\"c1\",\"messages\":[{\"role\":\"user\",\"content\":"
                + "\"weather?\"}],\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
                + "\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}}}}],"
                + "\"tool_choice\":" + choice + more + "}").getBytes(StandardCharsets.UTF_8);
    }

    private static OutputFormat format(byte[] prompt, ToolSyntax syntax) {
        var accepted = (PromptDecoder.Accepted) new PromptDecoder().decode("c1", prompt);
        return OutputFormat.of(new PendingTurn(PARTITION, 0, accepted.prompt(), 0, null, accepted.grammar()),
                new EngineInfo("m", 1, 512, syntax));
    }

    @Test
    void freeTextHasNoGrammar() {
        byte[] plain = "{\"request_id\":\"r1\",\"conversation_id\":\"c1\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"
                .getBytes(StandardCharsets.UTF_8);
        var accepted = (PromptDecoder.Accepted) new PromptDecoder().decode("c1", plain);

        OutputFormat format = OutputFormat.of(new PendingTurn(PARTITION, 0, accepted.prompt(), 0, null,
                accepted.grammar()), ENGINE);

        assertThat(format.constrained()).isFalse();
        assertThat(format.grammar()).isNull();
        assertThat(format.name()).isEqualTo("text");
    }
}
