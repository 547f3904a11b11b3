package dev.parley.worker.engine;

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
}
