package dev.parley.worker.engine.cpp;

import dev.parley.schemas.TokenLogprob;
import dev.parley.worker.engine.Sampling;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * The log probability of a sampled token and the most likely tokens of its position, from the row of logits the
 * model gave for that position: a log-softmax of the raw logits, before the sampler's logit biases, penalties,
 * truncations, temperature and grammar. That is what llama-server reports for chat completions (it reads the
 * logits before sampling unless asked for {@code post_sampling_probs}), and it describes the model rather than the
 * draw: the same tokens get the same figures at any temperature.
 *
 * <p>It needs the whole row on the host, so a job asking for log probabilities is sampled from host logits.
 */
final class TokenLogprobs {

    private final int top;
    /** The most likely tokens so far, most likely first; scratch of one computation. */
    private final int[] bestTokens;
    private final float[] bestLogits;

    /**
     * Whether a job must be sampled from the host's logits: one asking for log probabilities reads the whole row
     * of every position it samples, so sampling on the device (which leaves no row on the host) cannot serve it.
     */
    static boolean needsHostLogits(Sampling sampling) {
        return sampling.logprobs() != null;
    }

    /** @param top how many of the most likely tokens each position lists, 0 to 20 */
    TokenLogprobs(int top) {
        if (top < 0 || top > 20) {
            throw new IllegalArgumentException("top must be in [0, 20], got " + top);
        }
        this.top = top;
        this.bestTokens = new int[top];
        this.bestLogits = new float[top];
    }

    /**
     * The entry of {@code chosen}, computed from {@code row} (the position's {@code vocabulary} logits).
     *
     * @param piece a token's bytes as the model spells it
     */
    TokenLogprob entry(FloatBuffer row, int vocabulary, int chosen, IntFunction<byte[]> piece) {
        float max = Float.NEGATIVE_INFINITY;
        int found = 0;
        for (int i = 0; i < vocabulary; i++) {
            float logit = row.get(i);
            max = Math.max(max, logit);
            found = keepIfBest(i, logit, found);
        }
        double sum = 0;
        for (int i = 0; i < vocabulary; i++) {
            sum += Math.exp(row.get(i) - max);
        }
        double logPartition = max + Math.log(sum);
        List<TokenLogprob.Alternative> alternatives = new ArrayList<>(found);
        for (int k = 0; k < found; k++) {
            byte[] bytes = piece.apply(bestTokens[k]);
            alternatives.add(new TokenLogprob.Alternative(text(bytes), bestLogits[k] - logPartition,
                    TokenLogprob.bytesOf(bytes)));
        }
        byte[] bytes = piece.apply(chosen);
        return new TokenLogprob(text(bytes), row.get(chosen) - logPartition, TokenLogprob.bytesOf(bytes),
                alternatives);
    }

    /** Inserts {@code token} among the best {@link #top} kept so far if it is likelier than the last; the new count. */
    private int keepIfBest(int token, float logit, int found) {
        if (top == 0 || (found == top && logit <= bestLogits[top - 1])) {
            return found;
        }
        int at = Math.min(found, top - 1);
        while (at > 0 && bestLogits[at - 1] < logit) { // ties keep the lower token id first
            bestTokens[at] = bestTokens[at - 1];
            bestLogits[at] = bestLogits[at - 1];
            at--;
        }
        bestTokens[at] = token;
        bestLogits[at] = logit;
        return Math.min(found + 1, top);
    }

    /** A token's text; a piece of a UTF-8 character shows as U+FFFD, its bytes tell the rest. */
    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
