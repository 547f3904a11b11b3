package dev.parley.worker.engine.template;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReasoningSplitterTest {

    private static final ReasoningMarkers THINK = new ReasoningMarkers("<think>", "</think>");

    /** Feeds {@code pieces} and returns {reasoning, content} as a client adding up the deltas would see them. */
    private static String[] stream(ReasoningSplitter splitter, List<String> pieces) {
        StringBuilder reasoning = new StringBuilder();
        StringBuilder content = new StringBuilder();
        for (String piece : pieces) {
            ReasoningSplitter.Delta delta = splitter.accept(piece);
            reasoning.append(delta.reasoning());
            content.append(delta.content());
        }
        ReasoningSplitter.Delta last = splitter.finish();
        return new String[] {reasoning.append(last.reasoning()).toString(), content.append(last.content()).toString()};
    }

    private static List<String> characters(String text) {
        return text.codePoints().mapToObj(Character::toString).toList();
    }

    @Test
    void thinkingAtTheStartIsReasoningAndTheRestTheAnswer() {
        String output = "<think>\nThe user greets me.\n</think>\n\nHello!";

        assertThat(stream(new ReasoningSplitter(THINK, false), List.of(output)))
                .containsExactly("\nThe user greets me.\n", "Hello!");
    }

    @Test
    void everyWayOfCuttingTheStreamGivesTheSameParts() {
        String output = "  <think>a < b, so </thin is not the end</think>\n\nAnswer: <b>yes</b> </think>";
        String[] whole = stream(new ReasoningSplitter(THINK, false), List.of(output));

        assertThat(whole).containsExactly("a < b, so </thin is not the end", "Answer: <b>yes</b> </think>");
        assertThat(stream(new ReasoningSplitter(THINK, false), characters(output))).containsExactly(whole);
        for (int cut = 0; cut <= output.length(); cut++) {
            List<String> pieces = List.of(output.substring(0, cut), output.substring(cut));
            assertThat(stream(new ReasoningSplitter(THINK, false), pieces)).as("cut at " + cut).containsExactly(whole);
        }
    }

    @Test
    void aPieceThatMightStartTheCloseMarkerIsHeldBackUntilTheNextOneTells() {
        ReasoningSplitter splitter = new ReasoningSplitter(THINK, true);

        assertThat(splitter.accept("step one </th")).isEqualTo(new ReasoningSplitter.Delta("step one ", ""));
        assertThat(splitter.accept("ink>Done")).isEqualTo(new ReasoningSplitter.Delta("", "Done"));
    }

    @Test
    void aPromptThatOpensTheReasoningMakesTheOutputStartInIt() {
        assertThat(stream(new ReasoningSplitter(THINK, true), characters("Let me think.</think>42")))
                .containsExactly("Let me think.", "42");
    }

    @Test
    void withoutAMarkerAtTheStartEverythingIsTheAnswer() {
        assertThat(stream(new ReasoningSplitter(THINK, false), characters("Hi <think>not reasoning</think>")))
                .containsExactly("", "Hi <think>not reasoning</think>");
        assertThat(stream(new ReasoningSplitter(THINK, false), characters("<thin")))
                .containsExactly("", "<thin");
    }

    @Test
    void reasoningCutShortByTheTokenLimitStaysReasoning() {
        assertThat(stream(new ReasoningSplitter(THINK, false), characters("<think>still thinking</th")))
                .containsExactly("still thinking</th", "");
    }

    @Test
    void theMarkersAndWhereThePromptLeavesTheModelComeFromTheRealTemplates() throws Exception {
        String qwen3 = Files.readString(LlamaCppSource.root().resolve("models/templates/Qwen-Qwen3-0.6B.jinja"));
        String r1 = Files.readString(LlamaCppSource.root().resolve(
                "models/templates/deepseek-ai-DeepSeek-R1-Distill-Qwen-32B.jinja"));
        String llama = Files.readString(LlamaCppSource.root().resolve(
                "models/templates/meta-llama-Llama-3.1-8B-Instruct.jinja"));
        List<Map<String, Object>> messages = new ArrayList<>(List.of(ChatTemplate.message("user", "Hi")));

        assertThat(ReasoningMarkers.of(qwen3)).contains(THINK);
        assertThat(ReasoningMarkers.of(r1)).contains(THINK);
        assertThat(ReasoningMarkers.of(llama)).isEmpty();
        // DeepSeek R1's generation prompt (as llama.cpp keeps it) opens the reasoning itself when enable_thinking is
        // passed, and closes it at once otherwise; Qwen 3's writes an empty block when thinking is off.
        ChatTemplate deepSeek = ChatTemplate.compile(r1, "<s>", "</s>");
        assertThat(THINK.opensIn(deepSeek.render(messages, true, Map.of("enable_thinking", true)))).isTrue();
        assertThat(THINK.opensIn(deepSeek.render(messages, true, Map.of()))).isFalse();
        ChatTemplate qwen = ChatTemplate.compile(qwen3, "", "<|im_end|>");
        assertThat(THINK.opensIn(qwen.render(messages, true, Map.of()))).isFalse();
        assertThat(qwen.render(messages, true, Map.of("enable_thinking", false)))
                .endsWith("<|im_start|>assistant\n<think>\n\n</think>\n\n");
    }

    @Test
    void theAnswerOfAStoredTurnDropsItsReasoning() {
        assertThat(THINK.answerOf("<think>\nhmm\n</think>\n\nParis.")).isEqualTo("Paris.");
        assertThat(THINK.answerOf("Paris.")).isEqualTo("Paris.");
    }
}
