package dev.parley.worker.engine.template;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.schemas.ChatMessage;
import dev.parley.worker.engine.TranscriptSplitter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every control character in a message survives the model's own template and the split that keeps message text
 * apart from control tokens. Found by the hostile-input drill: Jinjava rewrote U+0001 and U+000B, the split refused
 * the transcript, and as a conversation's history is rendered on every turn, one such message failed all its later
 * turns.
 */
class ControlCharactersTest {

    /** SmolLM2's template (ChatML with a default system prompt), as its GGUF carries it. */
    private static final String CHATML = "{% for message in messages %}{% if loop.first and messages[0]['role'] != "
            + "'system' %}{{ '<|im_start|>system\\nYou are a helpful AI assistant named SmolLM, trained by Hugging "
            + "Face<|im_end|>\\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + "
            + "'<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}"
            + "{% endif %}";

    @Test
    void everyC0ControlCharacterRendersAndSplits() {
        TranscriptTemplate template = TranscriptTemplate.forModel("chatml", CHATML, "", "<|im_end|>", false)
                .orElseThrow();
        List<String> pieces = new ArrayList<>();
        for (char c = 0; c < 0x20; c++) {
            String text = "before" + c + "after " + (int) c;
            TranscriptTemplate.Rendered rendered = template.render(List.of(ChatMessage.user("Hi"),
                    ChatMessage.assistant("Hello" + c), ChatMessage.user(text)), Map.of());

            pieces.clear();
            TranscriptSplitter.tokenizeContents(rendered.text(), rendered.contents(), new TranscriptSplitter.Tokenizer() {
                @Override
                public int[] template(String part, boolean first) {
                    return new int[0];
                }

                @Override
                public int[] content(String part) {
                    pieces.add(part);
                    return new int[0];
                }
            }, "chatml");

            String kept = TranscriptTemplate.withoutControls(text);
            assertThat(pieces).as("U+%04X", (int) c).contains(kept);
            assertThat(kept).as("U+%04X", (int) c).isEqualTo(c == '\t' || c == '\n' || c == '\f' || c == '\r'
                    ? text : "beforeafter " + (int) c);
        }
    }
}
