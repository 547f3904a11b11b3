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
 * candidates, so the chain is never left with none; a lazy grammar (a tool call under {@code tool_choice: auto}) lets
 * every pick through until its trigger. Without a grammar the chain can be attached to its sequence so the
 * device samples it inside the decode ({@link #attach}, {@link DeviceSampling}).
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
    private final Pointer vocab;
    private final Sampling sampling;
    /** The chain in use: built for the host, or for the device while attached to a sequence. */
    private Pointer chain;
    private final boolean greedy;
    private final GrammarSampler grammar;
    /** While attached ({@link #attach}): the context and the sequence whose outputs the device samples; else -1. */
    private Pointer deviceContext;
    private int deviceSequence = -1;
    /** Whether llama.cpp would not run this chain wholly on the device: it stays on the host. */
    private boolean deviceRefused;

    private SamplerChain(LlamaLib llama, Pointer vocab, Sampling sampling, Pointer chain, boolean greedy,
                         GrammarSampler grammar) {
        this.llama = llama;
        this.vocab = vocab;
        this.sampling = sampling;
        this.chain = chain;
        this.greedy = greedy;
        this.grammar = grammar;
    }

    /**
     * Greedy decoding of unchanged logits (no bias, no penalty) is an argmax, which {@link DecodeStep} does itself,
     * in parallel; a grammar then checks it in {@link #next}. Not while the device samples: the host then has no
     * logits row to take it from.
     */
    boolean greedy() {
        return greedy && !onDevice();
    }

    /** Whether the chain is a plain argmax (no temperature, bias or penalty), wherever it runs. */
    boolean plainGreedy() {
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
                : GrammarSampler.create(llama, vocab, sampling.grammar(), sampling.grammarTriggers());
        double temperature = sampling.temperature() == null ? DEFAULT_TEMPERATURE : sampling.temperature();
        // Only a chain that leaves the logits as they are may be replaced by the caller's argmax.
        boolean plainArgmax = temperature <= 0 && !shapesLogits(sampling);
        return new SamplerChain(llama, vocab, sampling, build(llama, vocab, sampling, false), plainArgmax, grammar);
    }

    /**
     * llama.cpp's chain for the sampling. For the device, greedy ends in a top-k of 1 and a draw instead of llama.cpp's
     * greedy sampler: both pick the most likely token, but the greedy sampler's device form leaves the whole row of
     * logits as its output, which llama.cpp copies to the host for every sequence each step, the very copy device
     * sampling is there to spare; after the top-k one value is left (and the draw from one candidate takes it).
     */
    private static Pointer build(LlamaLib llama, Pointer vocab, Sampling sampling, boolean device) {
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
        // uint32 seed; LLAMA_DEFAULT_SEED (all ones) draws a random one
        int seed = sampling.seed() == null ? LlamaLib.DEFAULT_SEED : (int) (long) sampling.seed();
        if (temperature <= 0 && device) {
            llama.llama_sampler_chain_add(chain, llama.llama_sampler_init_top_k(1));
            llama.llama_sampler_chain_add(chain, llama.llama_sampler_init_dist(seed));
        } else if (temperature <= 0) {
            llama.llama_sampler_chain_add(chain, llama.llama_sampler_init_greedy());
        } else {
            llama.llama_sampler_chain_add(chain, llama.llama_sampler_init_top_k(
                    sampling.topK() == null ? DEFAULT_TOP_K : sampling.topK()));
            llama.llama_sampler_chain_add(chain, llama.llama_sampler_init_top_p(
                    (float) (sampling.topP() == null ? DEFAULT_TOP_P : sampling.topP()), 1));
            llama.llama_sampler_chain_add(chain, llama.llama_sampler_init_min_p(
                    (float) (sampling.minP() == null ? DEFAULT_MIN_P : sampling.minP()), 1));
            llama.llama_sampler_chain_add(chain, llama.llama_sampler_init_temp((float) temperature));
            llama.llama_sampler_chain_add(chain, llama.llama_sampler_init_dist(seed));
        }
        return chain;
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
        if (argmax < 0 && onDevice()) {
            throw new IllegalStateException("llama.cpp sampled no token on the device for output " + index);
        }
        int token = argmax >= 0 ? argmax : llama.llama_sampler_sample(chain, context, index);
        return grammar == null ? token : grammar.hold(token, chain, context, index);
    }

    /**
     * Moves sampling onto the device for the sequence's outputs: a fresh chain in its device form, carrying this one's
     * state (penalty history, random generator), is attached in its place. False, with this chain kept on the host
     * as it was, when llama.cpp would run any of it on the host (its {@code backend_init} refused an operation);
     * {@code refused} then names the chain's samplers as llama.cpp marked them.
     */
    boolean attach(Pointer context, int sequence, StringBuilder refused) {
        if (onDevice()) {
            throw new IllegalStateException("the chain is attached to sequence " + deviceSequence + " already");
        }
        Pointer device = build(llama, vocab, sampling, true);
        copyState(chain, device);
        boolean set = llama.llama_set_sampler(context, sequence, device) != 0;
        if (!set || !offloaded(device, refused)) {
            if (set) {
                llama.llama_set_sampler(context, sequence, null);
            }
            llama.llama_sampler_free(device);
            deviceRefused = true;
            return false;
        }
        llama.llama_sampler_free(chain);
        chain = device;
        deviceContext = context;
        deviceSequence = sequence;
        return true;
    }

    /**
     * Takes sampling back to the host (the job lost its sequence, e.g. paused): llama.cpp cannot attach a chain
     * twice, and one it attached skips on the host what it ran on the device, so the host gets a fresh chain again.
     */
    void detach() {
        if (!onDevice()) {
            return;
        }
        llama.llama_set_sampler(deviceContext, deviceSequence, null);
        deviceSequence = -1;
        Pointer host = build(llama, vocab, sampling, false);
        copyState(chain, host);
        llama.llama_sampler_free(chain);
        chain = host;
    }

    /** Whether an {@link #attach} found that llama.cpp would run part of the chain on the host. */
    boolean deviceRefused() {
        return deviceRefused;
    }

    /** Whether the device samples this chain's sequence ({@link #takeDeviceToken}). */
    boolean onDevice() {
        return deviceSequence >= 0;
    }

    /**
     * The token the device sampled for batch output {@code index}, taken into the chain's state (the penalties'
     * history, which the next step's device pass reads); -1 when it sampled none ({@link #next} then fails the job).
     */
    int takeDeviceToken(Pointer context, int index) {
        int token = llama.llama_get_sampled_token_ith(context, index);
        if (token == LlamaLib.TOKEN_NULL) {
            return -1;
        }
        llama.llama_sampler_accept(chain, token);
        return token;
    }

    /** Whether llama.cpp marked every sampler of an attached chain as running on the device ({@code +name}). */
    private boolean offloaded(Pointer attached, StringBuilder names) {
        boolean all = true;
        for (int i = 0; i < llama.llama_sampler_chain_n(attached); i++) {
            String name = llama.llama_sampler_name(llama.llama_sampler_chain_get(attached, i));
            names.append(i == 0 ? "" : ", ").append(name);
            all &= name.startsWith("+");
        }
        return all;
    }

    /** Copies the state of the samplers the two forms of a chain share, in order (all but greedy's last ones). */
    private void copyState(Pointer from, Pointer to) {
        int shared = Math.min(llama.llama_sampler_chain_n(from), llama.llama_sampler_chain_n(to));
        for (int i = 0; i < shared; i++) {
            Pointer source = llama.llama_sampler_chain_get(from, i);
            Pointer target = llama.llama_sampler_chain_get(to, i);
            if (!bareName(source).equals(bareName(target))) {
                return;
            }
            llama.llama_sampler_copy(source, target);
        }
    }

    private String bareName(Pointer sampler) {
        String name = llama.llama_sampler_name(sampler);
        return name.startsWith("+") || name.startsWith("-") ? name.substring(1) : name;
    }

    /** How often a grammar refused the chain's pick (0 without a grammar). */
    long resamples() {
        return grammar == null ? 0 : grammar.resamples();
    }

    /** Frees the chain; a second call does nothing (a double free would end the process, not one turn). */
    @Override
    public void close() {
        if (chain == null) {
            return;
        }
        if (onDevice()) {
            llama.llama_set_sampler(deviceContext, deviceSequence, null); // the context must not keep a freed chain
            deviceSequence = -1;
        }
        llama.llama_sampler_free(chain); // frees the samplers added to it too
        chain = null;
        if (grammar != null) {
            grammar.close();
        }
    }
}
