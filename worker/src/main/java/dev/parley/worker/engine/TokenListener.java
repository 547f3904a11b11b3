package dev.parley.worker.engine;

import dev.parley.schemas.TokenLogprob;
import java.util.List;

/** Receives generated text as it comes, token by token (streaming replies). */
@FunctionalInterface
public interface TokenListener {

    /** Ignores everything. */
    TokenListener NONE = delta -> { };

    /** Called on the generating thread with the next piece of text; keep it quick. */
    void onText(String delta);

    /**
     * Called instead of {@link #onText} with the next piece of a reasoning model's thinking, once the turn splits
     * its output ({@code ReasoningStart}); ignored unless overridden.
     */
    default void onReasoning(String delta) {
    }

    /**
     * Called with the log probabilities of generated tokens when the request asked for them
     * ({@link Sampling#logprobs()}), right after the text they produced was passed to {@link #onText} (or held back
     * by the engine); ignored unless overridden.
     */
    default void onLogprobs(List<TokenLogprob> entries) {
    }

    /**
     * The listener of answer {@code index} (1 and up) of a request for several ({@link Sampling#n()}); this one
     * hears answer 0. Ignores everything unless overridden.
     */
    default TokenListener choice(int index) {
        return NONE;
    }
}
