package dev.parley.worker.turn;

import dev.parley.schemas.TokenLogprob;
import dev.parley.worker.engine.TokenListener;
import dev.parley.worker.engine.template.ReasoningSplitter;
import java.util.List;

/**
 * Splits a reasoning model's streamed output before it reaches {@code target}: thinking goes to
 * {@link TokenListener#onReasoning}, the answer to {@link TokenListener#onText}. Text that may be the start of a
 * marker is held back until the next piece tells, and {@link #finish()} hands on what is left.
 */
final class ReasoningListener implements TokenListener {

    private final ReasoningSplitter splitter;
    private final TokenListener target;

    ReasoningListener(ReasoningSplitter splitter, TokenListener target) {
        this.splitter = splitter;
        this.target = target;
    }

    @Override
    public void onText(String delta) {
        forward(splitter.accept(delta));
    }

    /** Log probabilities go on as they come: the thinking's tokens are generated tokens too. */
    @Override
    public void onLogprobs(List<TokenLogprob> entries) {
        target.onLogprobs(entries);
    }

    /** A further answer streams its output as generated: only the first answer's thinking is split from its text. */
    @Override
    public TokenListener choice(int index) {
        return target.choice(index);
    }

    /** The output ended: what was held back goes to the part it was in. */
    void finish() {
        forward(splitter.finish());
    }

    private void forward(ReasoningSplitter.Delta delta) {
        // reasoning comes before the answer, in one piece as in the output
        if (!delta.reasoning().isEmpty()) {
            target.onReasoning(delta.reasoning());
        }
        if (!delta.content().isEmpty()) {
            target.onText(delta.content());
        }
    }
}
