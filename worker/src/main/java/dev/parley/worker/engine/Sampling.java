package dev.parley.worker.engine;

import java.util.List;

/**
 * Resolved sampling parameters of one generation; {@code null} fields use the engine's defaults.
 *
 * @param maxTokens the most tokens to generate
 * @param grammar   a GBNF grammar (start rule {@code root}) the answer must follow, or {@code null} for free text
 */
public record Sampling(int maxTokens, Double temperature, Double topP, Integer topK, Long seed, List<String> stop,
                       String grammar) {

    public Sampling {
        if (maxTokens < 1) {
            throw new IllegalArgumentException("maxTokens must be >= 1, got " + maxTokens);
        }
        stop = stop == null ? List.of() : List.copyOf(stop);
    }

    /** Unconstrained sampling. */
    public Sampling(int maxTokens, Double temperature, Double topP, Integer topK, Long seed, List<String> stop) {
        this(maxTokens, temperature, topP, topK, seed, stop, null);
    }

    /** Greedy decoding: the same transcript always gives the same answer. */
    public static Sampling greedy(int maxTokens) {
        return new Sampling(maxTokens, 0.0, null, null, 0L, List.of());
    }

    /** The same sampling, constrained by {@code gbnf} ({@code null}: unconstrained). */
    public Sampling withGrammar(String gbnf) {
        return new Sampling(maxTokens, temperature, topP, topK, seed, stop, gbnf);
    }
}
