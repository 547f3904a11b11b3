package dev.parley.client.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.schemas.ChatMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BatchLineTest {

    @TempDir
    Path tmp;

    @Test
    void readsOpenAiBatchLines() {
        BatchLine line = BatchLine.parse("""
                {"custom_id": "request-1", "method": "POST", "url": "/v1/chat/completions",
                 "body": {"model": "gpt-4o-mini", "max_tokens": 64, "temperature": 0.2, "stop": "\\n\\n",
                          "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hello"}]}}
                """.replace("\n", " "));

        assertThat(line.customId()).isEqualTo("request-1");
        assertThat(line.system()).isEqualTo("Be brief.");
        assertThat(line.messages()).containsExactly(ChatMessage.user("Hello"));
        assertThat(line.params().maxTokens()).isEqualTo(64);
        assertThat(line.params().temperature()).isEqualTo(0.2);
        assertThat(line.params().stop()).containsExactly("\n\n");
        assertThat(line.conversationId()).isNull();
        assertThat(line.metadata()).containsEntry("custom_id", "request-1");
    }

    @Test
    void readsLogprobsAndRefusesTopLogprobsWithoutThem() {
        BatchLine line = BatchLine.parse("{\"custom_id\":\"l1\",\"body\":{\"logprobs\":true,\"top_logprobs\":5,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}}");
        BatchLine plain = BatchLine.parse("{\"custom_id\":\"l2\",\"body\":{\"logprobs\":false,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}}");

        assertThat(line.params().wantsLogprobs()).isTrue();
        assertThat(line.params().topLogprobs()).isEqualTo(5);
        assertThat(plain.params().wantsLogprobs()).isFalse();
        assertThatThrownBy(() -> BatchLine.parse("{\"custom_id\":\"l3\",\"body\":{\"top_logprobs\":2,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}}")).hasMessageContaining("logprobs: true");
        assertThatThrownBy(() -> BatchLine.parse("{\"custom_id\":\"l4\",\"body\":{\"logprobs\":true,"
                + "\"top_logprobs\":21,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}}"))
                .hasMessageContaining("top_logprobs");
    }

    @Test
    void theLinesModelPicksTheModelAndANonStringOneIsAnError() {
        assertThat(BatchLine.parse("{\"custom_id\":\"m1\",\"body\":{\"model\":\"tiny\","
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}}").model()).isEqualTo("tiny");
        assertThat(BatchLine.parse("{\"custom_id\":\"m2\",\"model\":\"tiny\","
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}").model()).isEqualTo("tiny");
        assertThat(BatchLine.parse("{\"custom_id\":\"m3\","
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}").model()).isNull();
        assertThatThrownBy(() -> BatchLine.parse("{\"custom_id\":\"m4\",\"body\":{\"model\":7,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}}")).hasMessage("model must be a string");
    }

    @Test
    void readsTopLevelMessagesAndAConversation() {
        BatchLine line = BatchLine.parse("{\"custom_id\":\"q2\",\"conversation_id\":\"user-42\",\"messages\":[{\"role\":\"user\",\"content\":\"Next?\"}]}");

        assertThat(line.conversationId()).isEqualTo("user-42");
        assertThat(line.messages()).containsExactly(ChatMessage.user("Next?"));
    }

    @Test
    void badLinesSayWhatIsWrong() {
        assertThatThrownBy(() -> BatchLine.parse("not json")).hasMessageContaining("not JSON");
        assertThatThrownBy(() -> BatchLine.parse("{\"messages\":[]}")).hasMessageContaining("custom_id");
        assertThatThrownBy(() -> BatchLine.parse("{\"custom_id\":\"a\",\"messages\":[{\"role\":\"robot\",\"content\":\"x\"}]}"))
                .hasMessageContaining("robot")
                .isInstanceOfSatisfying(BatchLine.InvalidLineException.class, e -> assertThat(e.customId()).isEqualTo("a"));
        assertThatThrownBy(() -> BatchLine.parse("{\"custom_id\":\"a\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"max_tokens\":0}"))
                .hasMessageContaining("max_tokens");
    }

    @Test
    void aToolMessageIsAnInvalidLineNotAFailureOfTheRun() {
        // ChatMessage refuses a tool message without tool_call_id; that must stay this line's error.
        assertThatThrownBy(() -> BatchLine.parse("{\"custom_id\":\"t\",\"messages\":["
                + "{\"role\":\"user\",\"content\":\"x\"},{\"role\":\"tool\",\"content\":\"42\"}]}"))
                .isInstanceOfSatisfying(BatchLine.InvalidLineException.class, e -> assertThat(e.customId()).isEqualTo("t"))
                .hasMessageContaining("tool_call_id");
    }

    @Test
    void aHalfWrittenLastLineOfTheOutputIsCutOff() throws Exception {
        Path output = tmp.resolve("out.jsonl");
        Files.writeString(output, "{\"custom_id\":\"a\"}\n{\"custom_id\":\"b\"}\n{\"custom_id\":\"c\",\"resp");

        assertThat(BatchJob.completedCustomIds(output)).containsExactlyInAnyOrder("a", "b");
        assertThat(Files.readAllLines(output)).isEqualTo(List.of("{\"custom_id\":\"a\"}", "{\"custom_id\":\"b\"}"));
    }

    @Test
    void anUnsupportedBodyFieldMakesTheLineAnErrorNamingIt() {
        assertThatThrownBy(() -> BatchLine.parse("{\"custom_id\":\"q3\",\"body\":{\"model\":\"m\",\"n\":2,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}}"))
                .isInstanceOf(BatchLine.InvalidLineException.class).hasMessage("body.n is not supported");
        assertThatThrownBy(() -> BatchLine.parse("{\"custom_id\":\"q4\",\"body\":{\"max_tokenz\":5,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}}"))
                .hasMessage("body.max_tokenz is not supported");
    }

    @Test
    void maxCompletionTokensIsReadAsMaxTokens() {
        BatchLine line = BatchLine.parse("{\"custom_id\":\"q5\",\"body\":{\"max_completion_tokens\":7,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}}");

        assertThat(line.params().maxTokens()).isEqualTo(7);
    }
}
