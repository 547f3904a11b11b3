package dev.parley.worker.engine.cpp;

import com.sun.jna.Pointer;
import dev.parley.worker.engine.Sampling;

/**
 * One sequence's sampler: greedy at temperature 0, otherwise top-k, top-p, min-p, temperature and a seeded draw,
 * with llama.cpp server's defaults for what the prompt leaves open. Each sequence has its own chain, so a seed gives
 * the same answer whatever else is in the batch. A response format's grammar holds the chain's pick to it
 * ({@link GrammarSampler}): a refused pick is redrawn with every refused token masked before the chain narrows the
 * candidates, so the chain is never left with none.
 */
final class SamplerChain implements AutoCloseable {

    static final double DEFAULT_TEMPERATURE = 0.8;
    static final int DEFAULT_TOP_K = 40;
    static final double DEFAULT_TOP_P = 0.95;
    static final double DEFAULT_MIN_P = 0.05;

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
     * Greedy decoding is an argmax over the logits, which {@link DecodeStep} does itself, in parallel; a grammar then
     * checks it in {@link #next}.
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
        if (sampling.grammar() != null) {
            throw new IllegalArgumentException("a grammar needs the vocabulary: use create(llama, vocab, sampling)");
        }
        return create(llama, null, sampling);
    }

    /**
     * @param vocab the model's vocabulary, which a grammar is checked against
     * @throws IllegalArgumentException when llama.cpp refuses the sampling's grammar
     */
    static SamplerChain create(LlamaLib llama, Pointer vocab, Sampling sampling) {
        GrammarSampler grammar = sampling.grammar() == null ? null
                : GrammarSampler.create(llama, vocab, sampling.grammar());
        Pointer chain = llama.llama_sampler_chain_init(llama.llama_sampler_chain_default_params());
        double temperature = sampling.temperature() == null ? DEFAULT_TEMPERATURE : sampling.temperature();
        if (temperature <= 0) {
            llama.llama_sampler_chain_add(chain, llama.llama_sampler_init_greedy());
        } else {
            llama.llama_sampler_chain_add(chain, llama.llama_sampler_init_top_k(
                    sampling.topK() == null ? DEFAULT_TOP_K : sampling.topK()));
            llama.llama_sampler_chain_add(chain, llama.llama_sampler_init_top_p(
                    (float) (sampling.topP() == null ? DEFAULT_TOP_P : sampling.topP()), 1));
            llama.llama_sampler_chain_add(chain, llama.llama_sampler_init_min_p((float) DEFAULT_MIN_P, 1));
            llama.llama_sampler_chain_add(chain, llama.llama_sampler_init_temp((float) temperature));
            // uint32 seed; LLAMA_DEFAULT_SEED (all ones) draws a random one
            int seed = sampling.seed() == null ? LlamaLib.DEFAULT_SEED : (int) (long) sampling.seed();
            llama.llama_sampler_chain_add(chain, llama.llama_sampler_init_dist(seed));
        }
        return new SamplerChain(llama, chain, temperature <= 0, grammar);
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
