package dev.parley.worker.engine;

import java.util.List;
import java.util.Map;

/**
 * Resolved sampling parameters of one generation; {@code null} fields use the engine's defaults.
 *
 * @param maxTokens the most tokens to generate
 * @param grammar   a GBNF grammar (start rule {@code root}) the answer must follow, or {@code null} for free text
 * @param minP      drop tokens less likely than this share of the most likely one
 * @param penalties repeat, presence and frequency penalties over the last tokens generated
 * @param logitBias token id to a bias added to its logit (-100 bans it); empty for none
 * @param logprobs  how many of the most likely tokens to report beside each generated token's log probability
 *                  (0-20), or {@code null}: no log probabilities. An engine that reports them reads the whole row of
 *                  logits on the host at every step of the job
 * @param n         how many answers (choices) to generate from the one prompt, 1 to 8; with a seed, choice
 *                  {@code i} samples with {@code seed + i} ({@link #forChoice})
 * @param grammarTriggers where a lazy {@code grammar} starts: regular expressions (ECMAScript, as llama.cpp's lazy
 *                  grammar takes them) over the text generated so far; the grammar holds the text from the first
 *                  non-empty group of the first match on. Empty: the grammar holds the answer from its first token
 */
public record Sampling(int maxTokens, Double temperature, Double topP, Integer topK, Long seed, List<String> stop,
                       String grammar, Double minP, Penalties penalties, Map<Integer, Double> logitBias,
                       Integer logprobs, int n, List<String> grammarTriggers) {

    /**
     * Penalties on tokens among the last ones generated, as llama.cpp applies them; {@code null}: the engine's
     * default (a repeat penalty of 1.1 on the native engine, none for presence and frequency).
     *
     * @param repeat    divides a positive logit (multiplies a negative one); 1 is off
     * @param presence  subtracted once from the logit of a token that appeared; 0 is off
     * @param frequency subtracted from a token's logit per time it appeared; 0 is off
     */
    public record Penalties(Double repeat, Double presence, Double frequency) {

        /** The engine's defaults. */
        public static final Penalties DEFAULT = new Penalties(null, null, null);
        /** No penalty at all: the logits as the model gave them. */
        public static final Penalties OFF = new Penalties(1.0, 0.0, 0.0);

        public Penalties {
            if (repeat != null && !(repeat > 0)) {
                throw new IllegalArgumentException("repeat penalty must be > 0, got " + repeat);
            }
        }
    }

    public Sampling {
        if (maxTokens < 1) {
            throw new IllegalArgumentException("maxTokens must be >= 1, got " + maxTokens);
        }
        stop = stop == null ? List.of() : List.copyOf(stop);
        penalties = penalties == null ? Penalties.DEFAULT : penalties;
        logitBias = logitBias == null ? Map.of() : Map.copyOf(logitBias);
        if (logprobs != null && (logprobs < 0 || logprobs > 20)) {
            throw new IllegalArgumentException("logprobs must be in [0, 20], got " + logprobs);
        }
        if (n < 1 || n > 8) {
            throw new IllegalArgumentException("n must be in [1, 8], got " + n);
        }
        grammarTriggers = grammarTriggers == null ? List.of() : List.copyOf(grammarTriggers);
        if (grammar == null && !grammarTriggers.isEmpty()) {
            throw new IllegalArgumentException("grammar triggers without a grammar: " + grammarTriggers);
        }
    }

    /** Sampling of one answer whose grammar, if any, holds from the first token. */
    public Sampling(int maxTokens, Double temperature, Double topP, Integer topK, Long seed, List<String> stop,
                    String grammar, Double minP, Penalties penalties, Map<Integer, Double> logitBias,
                    Integer logprobs) {
        this(maxTokens, temperature, topP, topK, seed, stop, grammar, minP, penalties, logitBias, logprobs, 1,
                List.of());
    }

    /** Sampling without log probabilities. */
    public Sampling(int maxTokens, Double temperature, Double topP, Integer topK, Long seed, List<String> stop,
                    String grammar, Double minP, Penalties penalties, Map<Integer, Double> logitBias) {
        this(maxTokens, temperature, topP, topK, seed, stop, grammar, minP, penalties, logitBias, null);
    }

    /** Sampling with the engine's default penalties and no biases. */
    public Sampling(int maxTokens, Double temperature, Double topP, Integer topK, Long seed, List<String> stop,
                    String grammar) {
        this(maxTokens, temperature, topP, topK, seed, stop, grammar, null, Penalties.DEFAULT, Map.of());
    }

    /** Unconstrained sampling. */
    public Sampling(int maxTokens, Double temperature, Double topP, Integer topK, Long seed, List<String> stop) {
        this(maxTokens, temperature, topP, topK, seed, stop, null);
    }

    /**
     * Greedy decoding of the raw logits (no penalty): the same transcript always gives the same answer, and the
     * native engine takes the argmax itself, in parallel.
     */
    public static Sampling greedy(int maxTokens) {
        return new Sampling(maxTokens, 0.0, null, null, 0L, List.of(), null, null, Penalties.OFF, Map.of());
    }

    /** The same sampling, constrained by {@code gbnf} from the first token ({@code null}: unconstrained). */
    public Sampling withGrammar(String gbnf) {
        return withLazyGrammar(gbnf, List.of());
    }

    /**
     * The same sampling, constrained by {@code gbnf} once the text matches one of {@code triggers} (see
     * {@link #grammarTriggers()}; empty: from the first token).
     */
    public Sampling withLazyGrammar(String gbnf, List<String> triggers) {
        return new Sampling(maxTokens, temperature, topP, topK, seed, stop, gbnf, minP, penalties, logitBias, logprobs,
                n, triggers);
    }

    /** The same sampling with these penalties ({@code null}: the engine's defaults). */
    public Sampling withPenalties(Penalties value) {
        return new Sampling(maxTokens, temperature, topP, topK, seed, stop, grammar, minP, value, logitBias, logprobs,
                n, grammarTriggers);
    }

    /** The same sampling, reporting log probabilities with {@code top} alternatives ({@code null}: none). */
    public Sampling withLogprobs(Integer top) {
        return new Sampling(maxTokens, temperature, topP, topK, seed, stop, grammar, minP, penalties, logitBias, top,
                n, grammarTriggers);
    }

    /** The same sampling with these logit biases. */
    public Sampling withLogitBias(Map<Integer, Double> value) {
        return new Sampling(maxTokens, temperature, topP, topK, seed, stop, grammar, minP, penalties, value, logprobs,
                n, grammarTriggers);
    }

    /** The same sampling, generating {@code value} answers. */
    public Sampling withN(int value) {
        return new Sampling(maxTokens, temperature, topP, topK, seed, stop, grammar, minP, penalties, logitBias,
                logprobs, value, grammarTriggers);
    }

    /**
     * The sampling of choice {@code index} of a turn that generates several: the seed moves on by the index, so each
     * choice draws differently and the same seed gives the same choices again; without a seed each draws its own.
     */
    public Sampling forChoice(int index) {
        return new Sampling(maxTokens, temperature, topP, topK, seed == null ? null : seed + index, stop, grammar,
                minP, penalties, logitBias, logprobs, n, grammarTriggers);
    }
}
