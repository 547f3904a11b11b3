package dev.parley.worker.engine.cpp;

/**
 * How many micro-batches (graph runs) llama.cpp makes of one batch. With a KV cache per sequence it takes into one
 * micro-batch only sequences whose ids follow each other in batch order ({@code split_equal} with {@code
 * sequential}: "accept only increasing sequence ids") and the same number of tokens from each; a unified cache cuts
 * the batch into plain runs of {@code n_ubatch} tokens. The count is what the engine's batch order is judged by: every
 * micro-batch reads all the weights once more. Counted here by replaying that rule, not asked of llama.cpp.
 */
final class MicroBatches {

    private final int microBatchTokens;
    private final boolean unified;
    private final boolean[] used;
    private final int[] chosenAt;
    private final int[] taken;
    private final int[] unusedOf;
    private int round;

    MicroBatches(int batchCapacity, int sequences, int microBatchTokens, boolean unified) {
        this.microBatchTokens = microBatchTokens;
        this.unified = unified;
        this.used = new boolean[batchCapacity];
        this.chosenAt = new int[sequences];
        this.taken = new int[sequences];
        this.unusedOf = new int[sequences];
    }

    /**
     * Evens out a step's prompt chunks, indexed by sequence id, so they make few micro-batches ({@link ChunkLevels}),
     * leaving whole those that end their prompt or shared prefix ({@code ends}); a unified cache cuts any batch
     * plainly, so there they stay as shared.
     */
    void even(int[] chunks, boolean[] ends) {
        if (!unified) {
            ChunkLevels.even(chunks, ends, microBatchTokens);
        }
    }

    /** Micro-batches for {@code size} tokens whose sequence ids are {@code sequences[0..size)}, in batch order. */
    int count(int[] sequences, int size) {
        if (unified) {
            return (size + microBatchTokens - 1) / microBatchTokens;
        }
        java.util.Arrays.fill(used, 0, size, false);
        int left = size;
        int count = 0;
        while (left > 0) {
            round++;
            int members = 0;
            int last = -1;
            for (int i = 0; i < size && members <= microBatchTokens; i++) {
                int s = sequences[i];
                if (used[i] || chosenAt[s] == round || (members > 0 && s != last + 1)) {
                    continue;
                }
                chosenAt[s] = round;
                taken[s] = 0;
                unusedOf[s] = 0;
                last = s;
                members++;
            }
            int perSequence = Math.max(1, Math.min(available(sequences, size), microBatchTokens / members));
            for (int i = 0; i < size; i++) {
                int s = sequences[i];
                if (!used[i] && chosenAt[s] == round && taken[s] < perSequence) {
                    used[i] = true;
                    taken[s]++;
                    left--;
                }
            }
            count++;
        }
        return count;
    }

    /** The fewest unused tokens any chosen sequence has: each gives that many at most. */
    private int available(int[] sequences, int size) {
        for (int i = 0; i < size; i++) {
            if (!used[i] && chosenAt[sequences[i]] == round) {
                unusedOf[sequences[i]]++;
            }
        }
        int fewest = Integer.MAX_VALUE;
        for (int s = 0; s < chosenAt.length; s++) {
            if (chosenAt[s] == round) {
                fewest = Math.min(fewest, unusedOf[s]);
            }
        }
        return fewest;
    }
}
