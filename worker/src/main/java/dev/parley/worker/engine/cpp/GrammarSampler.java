package dev.parley.worker.engine.cpp;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import dev.parley.worker.engine.UnsupportedRequestException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.List;

/**
 * Holds one sequence's tokens to a grammar (llama.cpp's grammar sampler, kept out of the sampler chain). Checking the
 * whole vocabulary against the grammar at every step costs far more than the decode of a small model, so the token
 * the chain picked unconstrained is checked first, alone; only when the grammar refuses it are all tokens masked and
 * the chain asked again. Drawing unconstrained and redrawing from the masked logits on a refusal picks each allowed
 * token with the same probability as drawing from the masked logits at once (the truncating samplers aside), and the
 * argmax of greedy turns is the allowed argmax either way. Engine thread only.
 */
final class GrammarSampler implements AutoCloseable {

    /** {@code sizeof(llama_token_data)}: id (int32), logit (float), p (float). */
    private static final int TOKEN_DATA_BYTES = 12;

    private final LlamaLib llama;
    private final Pointer grammar;
    private final int vocabulary;
    private final Memory single = new Memory(TOKEN_DATA_BYTES);
    private final LlamaLib.TokenDataArray candidates = new LlamaLib.TokenDataArray();
    private Memory all;
    private long resamples;

    private GrammarSampler(LlamaLib llama, Pointer grammar, int vocabulary) {
        this.llama = llama;
        this.grammar = grammar;
        this.vocabulary = vocabulary;
    }

    /**
     * @throws IllegalArgumentException when llama.cpp refuses the grammar (GBNF, start rule {@code root})
     */
    static GrammarSampler create(LlamaLib llama, Pointer vocab, String gbnf) {
        return create(llama, vocab, gbnf, List.of());
    }

    /**
     * A grammar that holds from the first token, or, with {@code triggers}, lazily: every token passes until the text
     * generated so far matches a trigger (llama.cpp's lazy grammar), so checking a pick costs nothing before then.
     * llama.cpp feeds the grammar the text from the match on when the token completing it is accepted and throws,
     * across the C ABI, if the grammar refuses that text: each trigger must end at the end of the text
     * ({@code ...$}) with nothing after the part the grammar starts with that it could refuse.
     *
     * @throws IllegalArgumentException when llama.cpp refuses the grammar (GBNF, start rule {@code root})
     */
    static GrammarSampler create(LlamaLib llama, Pointer vocab, String gbnf, List<String> triggers) {
        Pointer grammar = triggers.isEmpty() ? llama.llama_sampler_init_grammar(vocab, gbnf, "root")
                : llama.llama_sampler_init_grammar_lazy_patterns(vocab, gbnf, "root",
                        triggers.toArray(String[]::new), triggers.size(), null, 0);
        if (grammar == null) {
            throw new IllegalArgumentException("llama.cpp refused the response format's grammar");
        }
        return new GrammarSampler(llama, grammar, llama.llama_vocab_n_tokens(vocab));
    }

    /**
     * The token to emit: {@code picked} when the grammar allows it, else a fresh pick of {@code chain} over the logits
     * of batch position {@code index} with every refused token masked. The grammar then advances past it.
     */
    int hold(int picked, Pointer chain, Pointer context, int index) {
        int token = allows(picked) ? picked : resample(chain, llama.llama_get_logits_ith(context, index));
        llama.llama_sampler_accept(grammar, token);
        return token;
    }

    /** How often the grammar refused the chain's pick, so all tokens had to be masked. */
    long resamples() {
        return resamples;
    }

    private boolean allows(int token) {
        single.setInt(0, token);
        single.setFloat(4, 0f);
        single.setFloat(8, 0f);
        point(single, 1);
        llama.llama_sampler_apply(grammar, candidates);
        return single.getFloat(4) != Float.NEGATIVE_INFINITY;
    }

    private int resample(Pointer chain, Pointer logits) {
        resamples++;
        if (all == null) {
            all = new Memory((long) TOKEN_DATA_BYTES * vocabulary);
        }
        FloatBuffer row = logits.getByteBuffer(0, 4L * vocabulary).order(ByteOrder.nativeOrder()).asFloatBuffer();
        ByteBuffer data = all.getByteBuffer(0, (long) TOKEN_DATA_BYTES * vocabulary).order(ByteOrder.nativeOrder());
        for (int i = 0; i < vocabulary; i++) {
            data.putInt(i).putFloat(row.get(i)).putFloat(0f);
        }
        point(all, vocabulary);
        llama.llama_sampler_apply(grammar, candidates);
        if (!anyAllowed(data)) {
            throw deadEnd();
        }
        llama.llama_sampler_apply(chain, candidates);
        candidates.read();
        if (candidates.selected < 0 || candidates.selected >= candidates.size) {
            throw new IllegalStateException("the sampler chain selected no token (" + candidates.selected + ")");
        }
        long selected = candidates.selected * TOKEN_DATA_BYTES;
        if (candidates.data.getFloat(selected + 4) == Float.NEGATIVE_INFINITY) {
            throw deadEnd();
        }
        int token = candidates.data.getInt(selected);
        llama.llama_sampler_accept(chain, token);
        return token;
    }

    /** Whether the grammar left any token a finite logit (it writes -inf over the ones it refuses). */
    private boolean anyAllowed(ByteBuffer data) {
        for (int i = 0; i < vocabulary; i++) {
            if (data.getFloat(i * TOKEN_DATA_BYTES + 4) != Float.NEGATIVE_INFINITY) {
                return true;
            }
        }
        return false;
    }

    /**
     * No token of this vocabulary continues the grammar (a character the vocabulary cannot spell, say). Accepting a
     * refused token would make llama.cpp throw or abort inside {@code llama_sampler_accept}, across the C ABI, which
     * ends the JVM; so the job fails instead, with a code the turn answers at once.
     */
    private static UnsupportedRequestException deadEnd() {
        return new UnsupportedRequestException("invalid_grammar", "the model's vocabulary cannot continue the "
                + "response format's grammar (no allowed token: a character it cannot spell?)");
    }

    private void point(Memory data, int size) {
        candidates.data = data;
        candidates.size = size;
        candidates.selected = -1;
        candidates.sorted = 0;
        candidates.write();
    }

    @Override
    public void close() {
        llama.llama_sampler_free(grammar);
        single.close();
        if (all != null) {
            all.close();
        }
    }
}
