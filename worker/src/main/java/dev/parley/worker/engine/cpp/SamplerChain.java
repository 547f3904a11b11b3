package dev.parley.worker.engine.cpp;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import dev.parley.worker.engine.Sampling;
import dev.parley.worker.engine.UnsupportedRequestException;
import java.util.Map;

/**
 * One sequence's sampler: logit biases and penalties on the tokens generated so far, then greedy at temperature 0,
 * otherwise top-k, top-p, min-p, temperature and a seeded draw, with llama.cpp server's defaults for what the prompt
 * leaves open (and a repeat penalty of {@value #DEFAULT_REPEAT_PENALTY}, which llama-server leaves off). Each sequence has its own chain, so a seed gives
 * the same answer whatever else is in the batch. A response format's grammar holds the chain's pick to it
 * ({@link GrammarSampler}): a refused pick is redrawn with every refused token masked before the chain narrows the
 * candidates, so the chain is never left with none.
 */
final class SamplerChain implements AutoCloseable {

    static final double DEFAULT_TEMPERATURE = 0.8;
    static final int DEFAULT_TOP_K = 40;
    static final double DEFAULT_TOP_P = 0.95;
    static final double DEFAULT_MIN_P = 0.05;
    /**
     * Divides the logits of tokens among the last {@link #PENALTY_LAST_N} generated: llama.cpp's default before it
     * went to 1 (off), and Ollama's today. Small models loop without it ({@code la Roma, la Roma, ...}).
     */
    static final double DEFAULT_REPEAT_PENALTY = 1.1;
    /** How many of the last generated tokens the penalties look at (llama.cpp's {@code repeat_last_n}). */
    static final int PENALTY_LAST_N = 64;

    private final LlamaLib llama;
    private final Pointer chain;
    private final boolean greedy;
    private final GrammarSampler grammar;

    private SamplerChain(LlamaLib llama, Pointer chain, boolean greedy, GrammarSampler grammar) {
        this.llama = llama;
        this.chain = chain;
        this.greedy = greedy;
        this.grammar = grammar;
    }

    /**
     * Greedy decoding of unchanged logits (no bias, no penalty) is an argmax, which {@link DecodeStep} does itself,
     * in parallel; a grammar then checks it in {@link #next}.
     */
    boolean greedy() {
        return greedy;
    }

    /**
     * The most likely token of a row of {@code vocabulary} logits, read in place (no copy). Safe from any thread
     * once the engine thread has fetched the row: the logits stay put until the next decode.
     */
    static int argmax(Pointer logits, int vocabulary) {
        java.nio.FloatBuffer row = logits.getByteBuffer(0, 4L * vocabulary).order(java.nio.ByteOrder.nativeOrder())
                .asFloatBuffer();
        int best = 0;
        float max = row.get(0);
        for (int i = 1; i < vocabulary; i++) {
            float v = row.get(i);
            if (v > max) {
                max = v;
                best = i;
            }
        }
        return best;
    }

    static SamplerChain create(LlamaLib llama, Sampling sampling) {
        if (sampling.grammar() != null || shapesLogits(sampling)) {
            throw new IllegalArgumentException("a grammar, penalties and biases need the vocabulary: use "
                    + "create(llama, vocab, sampling)");
        }
        return create(llama, null, sampling);
    }

    /**
     * @param vocab the model's vocabulary, which a grammar is checked against and penalties and biases are sized to
     * @throws IllegalArgumentException when llama.cpp refuses the sampling's grammar
     */
    static SamplerChain create(LlamaLib llama, Pointer vocab, Sampling sampling) {
        GrammarSampler grammar = sampling.grammar() == null ? null
                : GrammarSampler.create(llama, vocab, sampling.grammar());
        Pointer chain = llama.llama_sampler_chain_init(llama.llama_sampler_chain_default_params());
        // llama.cpp's order: biases and penalties on the raw logits, then the truncations, then the draw
        if (!sampling.logitBias().isEmpty()) {
            llama.llama_sampler_chain_add(chain, logitBias(llama, vocab, sampling.logitBias()));
        }
        Penalties penalties = penalties(sampling);
        if (penalties.active()) {
            llama.llama_sampler_chain_add(chain, llama.llama_sampler_init_penalties(llama.llama_vocab_n_tokens(vocab),
                    PENALTY_LAST_N, penalties.repeat(), penalties.frequency(), penalties.presence()));
        }
        double temperature = sampling.temperature() == null ? DEFAULT_TEMPERATURE : sampling.temperature();
        if (temperature <= 0) {
            llama.llama_sampler_chain_add(chain, llama.llama_sampler_init_greedy());
        } else {
            llama.llama_sampler_chain_add(chain, llama.llama_sampler_init_top_k(
                    sampling.topK() == null ? DEFAULT_TOP_K : sampling.topK()));
            llama.llama_sampler_chain_add(chain, llama.llama_sampler_init_top_p(
                    (float) (sampling.topP() == null ? DEFAULT_TOP_P : sampling.topP()), 1));
            llama.llama_sampler_chain_add(chain, llama.llama_sampler_init_min_p(
                    (float) (sampling.minP() == null ? DEFAULT_MIN_P : sampling.minP()), 1));
            llama.llama_sampler_chain_add(chain, llama.llama_sampler_init_temp((float) temperature));
            // uint32 seed; LLAMA_DEFAULT_SEED (all ones) draws a random one
            int seed = sampling.seed() == null ? LlamaLib.DEFAULT_SEED : (int) (long) sampling.seed();
            llama.llama_sampler_chain_add(chain, llama.llama_sampler_init_dist(seed));
        }
        // Only a chain that leaves the logits as they are may be replaced by the caller's argmax.
        boolean plainArgmax = temperature <= 0 && sampling.logitBias().isEmpty() && !penalties.active();
        return new SamplerChain(llama, chain, plainArgmax, grammar);
    }

    /** Whether the sampling changes the logits before the draw (biases or penalties, the engine's defaults included). */
    static boolean shapesLogits(Sampling sampling) {
        return !sampling.logitBias().isEmpty() || penalties(sampling).active();
    }

    /** The sampling's penalties, the engine's defaults filled in. */
    static Penalties penalties(Sampling sampling) {
        Sampling.Penalties given = sampling.penalties();
        return new Penalties(
                (float) (given.repeat() == null ? DEFAULT_REPEAT_PENALTY : given.repeat()),
                (float) (given.presence() == null ? 0 : given.presence()),
                (float) (given.frequency() == null ? 0 : given.frequency()));
    }

    /** Resolved penalties, as llama.cpp takes them. */
    record Penalties(float repeat, float presence, float frequency) {
        boolean active() {
            return repeat != 1f || presence != 0f || frequency != 0f;
        }
    }

    /**
     * Refuses a bias on a token the vocabulary lacks, on the turn's thread before the job is handed in: llama.cpp
     * would drop it silently, and the client would think the token banned.
     *
     * @throws UnsupportedRequestException ({@code invalid_logit_bias}) naming the first such token
     */
    static void checkLogitBias(Sampling sampling, int vocabulary) {
        for (int token : sampling.logitBias().keySet()) {
            if (token < 0 || token >= vocabulary) {
                throw new UnsupportedRequestException("invalid_logit_bias", "logit_bias names token " + token
                        + ", which is not in the model's vocabulary (token ids 0-" + (vocabulary - 1) + ")");
            }
        }
    }

    /** llama.cpp's logit-bias sampler; the ids were checked against the vocabulary before the job got here. */
    private static Pointer logitBias(LlamaLib llama, Pointer vocab, Map<Integer, Double> biases) {
        // llama_logit_bias: {int32 token; float bias}; llama.cpp copies the array, so it is freed on return
        try (Memory array = new Memory(8L * biases.size())) {
            long offset = 0;
            for (Map.Entry<Integer, Double> bias : biases.entrySet()) {
                array.setInt(offset, bias.getKey());
                array.setFloat(offset + 4, bias.getValue().floatValue());
                offset += 8;
            }
            return llama.llama_sampler_init_logit_bias(llama.llama_vocab_n_tokens(vocab), biases.size(), array);
        }
    }

    /** Samples (and accepts) the next token from the logits of batch position {@code index}. */
    int sample(Pointer context, int index) {
        return next(context, index, -1);
    }

    /**
     * The next token from the logits of batch position {@code index}: {@code argmax} when the caller took it already
     * (greedy, {@code >= 0}), else the chain's draw; held to the grammar when there is one.
     */
    int next(Pointer context, int index, int argmax) {
        int token = argmax >= 0 ? argmax : llama.llama_sampler_sample(chain, context, index);
        return grammar == null ? token : grammar.hold(token, chain, context, index);
    }

    /** How often a grammar refused the chain's pick (0 without a grammar). */
    long resamples() {
        return grammar == null ? 0 : grammar.resamples();
    }

    @Override
    public void close() {
        llama.llama_sampler_free(chain); // frees the samplers added to it too
        if (grammar != null) {
            grammar.close();
        }
    }
}
