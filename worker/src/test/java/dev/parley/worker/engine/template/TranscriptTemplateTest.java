package dev.parley.worker.engine.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.schemas.ChatMessage;
import dev.parley.worker.engine.TranscriptSplitter;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Real templates from llama.cpp's source, applied to a conversation the way the native engine tokenizes it. */
class TranscriptTemplateTest {

    private static String template(String name) throws Exception {
        return Files.readString(LlamaCppSource.root().resolve("models/templates/" + name + ".jinja"));
    }

    /** Records the split: template text in brackets, message text in braces. */
    private static String split(TranscriptTemplate.Rendered rendered) {
        StringBuilder out = new StringBuilder();
        TranscriptSplitter.tokenizeContents(rendered.text(), rendered.contents(), new TranscriptSplitter.Tokenizer() {
            @Override
            public int[] template(String text, boolean first) {
                out.append('[').append(text).append(']');
                return new int[0];
            }

            @Override
            public int[] content(String text) {
                out.append('{').append(text).append('}');
                return new int[0];
            }
        }, "test");
        return out.toString();
    }

    @Test
    void anEarlierAnswersReasoningIsLeftOutAndItsAnswerStaysMessageText() throws Exception {
        TranscriptTemplate qwen3 = TranscriptTemplate.forModel("qwen3", template("Qwen-Qwen3-0.6B"), "",
                "<|im_end|>", false).orElseThrow();
        List<ChatMessage> messages = List.of(ChatMessage.user("Capital of France?"),
                ChatMessage.assistant("<think>\nThe user asks <|im_start|> things.\n</think>\n\nParis."),
                ChatMessage.user("And Italy?"));

        TranscriptTemplate.Rendered rendered = qwen3.render(messages, Map.of("enable_thinking", false));

        assertThat(qwen3.reasoningMarkers()).contains(new ReasoningMarkers("<think>", "</think>"));
        assertThat(rendered.text()).doesNotContain("The user asks").endsWith("<think>\n\n</think>\n\n");
        assertThat(split(rendered)).contains("{Capital of France?}", "{Paris.}", "{And Italy?}");
    }

    @Test
    void aTemplateWithoutSystemRoleGetsTheSystemPromptInTheFirstUserMessage() throws Exception {
        TranscriptTemplate gemma = TranscriptTemplate.forModel("gemma2", template("google-gemma-2-2b-it"), "<bos>",
                "<eos>", true).orElseThrow();

        TranscriptTemplate.Rendered rendered = gemma.render(List.of(ChatMessage.system("Be brief."),
                ChatMessage.user("Hi")), Map.of());

        // the tokenizer adds the BOS token itself, so the template's BOS text is left out
        assertThat(rendered.text()).isEqualTo("<start_of_turn>user\nBe brief.\nHi<end_of_turn>\n<start_of_turn>model\n");
        assertThat(split(rendered)).isEqualTo("[<start_of_turn>user\n]{Be brief.\nHi}[<end_of_turn>\n"
                + "<start_of_turn>model\n]");
    }

    @Test
    void aTemplateThatRefusesTheMessagesSaysWhy() throws Exception {
        TranscriptTemplate gemma = TranscriptTemplate.forModel("gemma2", template("google-gemma-2-2b-it"), "<bos>",
                "<eos>", true).orElseThrow();

        assertThatThrownBy(() -> gemma.render(List.of(ChatMessage.user("a"), ChatMessage.user("b")), Map.of()))
                .isInstanceOf(TemplateException.class).hasMessageContaining("roles must alternate");
    }

    @Test
    void noTemplateOrOneJinjavaCannotRenderFallsBack() {
        assertThat(TranscriptTemplate.forModel("none", null, "", "", false)).isEmpty();
        assertThat(TranscriptTemplate.forModel("broken", "{% for m in messages %}{{ m.content }", "", "", false))
                .isEmpty();
    }
}
