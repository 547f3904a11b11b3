package dev.parley.worker.turn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.schemas.validation.PromptDecoder;
import dev.parley.worker.dispatch.PendingTurn;
import dev.parley.worker.engine.EngineInfo;
import dev.parley.worker.engine.tools.ToolSyntax;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** A prompt's grammar is built once, when the prompt is decoded, and the turn uses that one. */
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
