package dev.parley.worker.engine.cpp;

import dev.parley.schemas.TokenLogprob;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The log probabilities of a job's tokens, passed on in step with the text they produced: a token's entry goes out
 * once its text was shown ({@link TextStream} holds back a possible stop string and a split character), and the
 * tokens that only spelled a stop string, which is cut from the answer, are left out, as llama-server leaves them out.
 * Engine thread only.
 */
final class LogprobTrail {

    /** An entry and where its token's text lies in the decoded text: [start, end) in chars. */
    private record Pending(TokenLogprob entry, int start, int end) {
    }

    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    private final List<TokenLogprob> passed = new ArrayList<>();

    /** A token's entry; its text spans chars [{@code start}, {@code end}) of the text decoded so far. */
    void add(TokenLogprob entry, int start, int end) {
        pending.add(new Pending(entry, start, end));
    }

    /** The entries whose whole text is among the first {@code shown} chars, now passed on; in order. */
    List<TokenLogprob> release(int shown) {
        List<TokenLogprob> out = new ArrayList<>(1);
        while (!pending.isEmpty() && pending.peek().end() <= shown) {
            out.add(pending.poll().entry());
        }
        passed.addAll(out);
        return out;
    }

    /**
     * At the end of generation, with {@code shown} chars shown in all: every entry left when no stop string ended it,
     * else those whose text begins before the cut (the tokens that spelled only the stop string are dropped).
     */
    List<TokenLogprob> finish(int shown, boolean stopped) {
        List<TokenLogprob> out = new ArrayList<>(pending.size());
        for (Pending entry : pending) {
            if (!stopped || entry.start() < shown) {
                out.add(entry.entry());
            }
        }
        pending.clear();
        passed.addAll(out);
        return out;
    }

    /** Every entry passed on so far, in order: the generation's log probabilities. */
    List<TokenLogprob> all() {
        return List.copyOf(passed);
    }
}
