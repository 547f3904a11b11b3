package dev.parley.worker.engine.cpp;

/**
 * Evens out a step's prompt chunks so that llama.cpp's cache per sequence computes them in few micro-batches. Each
 * chunk's first token joins the step's first micro-batch (one token per busy sequence); the rest of the chunks follow
 * in sequence order, and llama.cpp ({@code split_equal}) puts into one micro-batch only a run of consecutive sequence
 * ids that give the same number of tokens each, at most {@code n_ubatch} in all: it takes the run's smallest rest from
 * every member, and the run breaks where a member has nothing left. Shares fair to each turn ({@link PromptBudget})
 * differ by a token or by whole prompts, so a step of 64 prompts became several micro-batches, one more for each
 * distinct rest, each reading all the weights again.
 *
 * <p>So, per run of consecutive prefilling sequences: rests above what one micro-batch holds ({@code n_ubatch} over
 * the run's length, less the first token) are cut to it; then, if the run's smallest rest given to every member keeps at least half of the
 * run's tokens, every member gets that (one micro-batch; the tokens cut are computed in a later step); otherwise that
 * layer stays one micro-batch and what is above it is evened out the same way, run by run. A short prompt beside a long
 * one therefore keeps its whole share, at the price of one micro-batch more, as fairness asks.
 *
 * <p>A chunk that ends what its turn can compute now (its prompt's last token, whose logits give the first answer
 * token, or a shared prefix's end, where the prefix is kept) is cut to what one micro-batch holds at most, never down
 * to its run's smallest rest. That cut saved a micro-batch in this step only to spend one on the tokens cut in the
 * next, and cost the turn a whole step before its first token: first turns admitted together after a shared prefix,
 * with own prompts of 48 to 51 tokens, were evened to 48 each, so three of the four waited a step for their last one
 * to three tokens.
 */
final class ChunkLevels {

    private ChunkLevels() {
    }

    /**
     * Cuts the chunks, indexed by sequence id ({@code 0} for a sequence without prompt this step), in place.
     *
     * @param microBatchTokens llama.cpp's {@code n_ubatch}
     */
    static void even(int[] chunks, int microBatchTokens) {
        even(chunks, new boolean[chunks.length], microBatchTokens);
    }

    /**
     * As {@link #even(int[], int)}, never levelling down the chunks that end what their turn can compute now.
     *
     * @param ends by sequence id: whether its chunk reaches the end of its prompt or of its shared prefix
     */
    static void even(int[] chunks, boolean[] ends, int microBatchTokens) {
        evenRuns(chunks, ends, 0, chunks.length, 0, microBatchTokens);
    }

    /** Evens every run in {@code [from, to)} of sequences whose rest above {@code base} is positive. */
    private static void evenRuns(int[] chunks, boolean[] ends, int from, int to, int base, int microBatchTokens) {
        int s = from;
        while (s < to) {
            if (rest(chunks, s, base) <= 0) {
                s++;
                continue;
            }
            int end = s;
            while (end < to && rest(chunks, end, base) > 0) {
                end++;
            }
            evenRun(chunks, ends, s, end, base, microBatchTokens);
            s = end;
        }
    }

    /** One run {@code [from, to)}, every rest above {@code base} positive. */
    private static void evenRun(int[] chunks, boolean[] ends, int from, int to, int base, int microBatchTokens) {
        int length = to - from;
        // what one micro-batch holds, less the first tokens (they share it where no generating sequence is in the run)
        int most = Math.max(1, microBatchTokens / length - 1);
        int smallest = Integer.MAX_VALUE;
        long total = 0;
        for (int s = from; s < to; s++) {
            int rest = Math.min(rest(chunks, s, base), most);
            chunks[s] = base + 1 + rest;
            smallest = Math.min(smallest, rest);
            total += rest;
        }
        if (2L * smallest * length >= total) {
            for (int s = from; s < to; s++) {
                if (!ends[s]) { // levelled down, an ending chunk would end a step later
                    chunks[s] = base + 1 + smallest;
                }
            }
            return;
        }
        evenRuns(chunks, ends, from, to, base + smallest, microBatchTokens);
    }

    /** The chunk's tokens after its first (which joins the first micro-batch) and above {@code base}. */
    private static int rest(int[] chunks, int s, int base) {
        return chunks[s] - 1 - base;
    }
}
