package dev.parley.bench;

import dev.parley.schemas.ChatMessage;
import dev.parley.worker.engine.Exchange;
import dev.parley.worker.engine.Generation;
import dev.parley.worker.engine.GenerationRequest;
import dev.parley.worker.engine.Sampling;
import dev.parley.worker.engine.TokenListener;
import dev.parley.worker.engine.Transcript;
import dev.parley.worker.engine.llama.LlamaCppEngine;
import java.util.ArrayList;
import java.util.List;

/**
 * Time to first token of a turn whose conversation kept its slot (hot) against the same kind of turn of a
 * conversation whose cache is gone and must be re-prefilled from its history (cold), at about 1K tokens of history.
 */
final class HotColdProbe {

    /** Per conversation: prompt tokens, TTFT cold and hot, cached tokens of the hot turn. */
    record Sample(int promptTokens, double coldMs, double hotMs, int hotCached, int hotPrompt) {
    }

    private static final String PARAGRAPH = "The committee met again on Thursday to review the quarterly figures, "
            + "which showed steady growth in the northern region, a small decline in the coastal offices, and a "
            + "sharp rise in maintenance costs after the storms of early spring. ";

    private final LlamaCppEngine engine;

    HotColdProbe(LlamaCppEngine engine) {
        this.engine = engine;
    }

    List<Sample> run(int conversations, int historyTokens) {
        List<Sample> samples = new ArrayList<>();
        for (int c = 0; c < conversations; c++) {
            String id = "hotcold-" + ProcessHandle.current().pid() + "-" + c;
            List<Exchange> history = history(c, historyTokens);
            Transcript cold = new Transcript(Workload.SYSTEM, history, List.of(ChatMessage.user("Summarise that in one line.")));
            Generation first = engine.generate(new GenerationRequest(id, cold, Sampling.greedy(8), null), TokenListener.NONE);
            List<Exchange> longer = new ArrayList<>(history);
            longer.add(new Exchange(List.of(ChatMessage.user("Summarise that in one line."), ChatMessage.assistant(first.text()))));
            Transcript hot = new Transcript(Workload.SYSTEM, longer, List.of(ChatMessage.user("And the main risk?")));
            Generation second = engine.generate(new GenerationRequest(id, hot, Sampling.greedy(8), null), TokenListener.NONE);
            samples.add(new Sample(first.promptTokens(), first.firstTokenNanos() / 1e6, second.firstTokenNanos() / 1e6,
                    second.cachedTokens(), second.promptTokens()));
        }
        return samples;
    }

    /** A history of roughly {@code tokens} tokens that begins differently for each conversation. */
    private List<Exchange> history(int conversation, int tokens) {
        List<Exchange> history = new ArrayList<>();
        int turn = 0;
        while (engine.tokenize(engine.render(new Transcript(Workload.SYSTEM, history,
                List.of(ChatMessage.user("x"))))).length < tokens) {
            history.add(new Exchange(List.of(
                    ChatMessage.user("Meeting " + conversation + "." + turn + ": what happened?"),
                    ChatMessage.assistant(PARAGRAPH + PARAGRAPH))));
            turn++;
        }
        return history;
    }
}
