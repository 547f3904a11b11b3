package dev.parley.worker.engine.cpp;

import com.sun.jna.Pointer;

/**
 * The {@code llama_batch} of one engine step, filled in Java arrays and written to native memory in one go per
 * field: token, position, sequence and whether its logits are wanted.
 */
final class BatchBuffer implements AutoCloseable {

    private final LlamaLib llama;
    private final LlamaLib.Batch batch;
    private final int capacity;
    private final int[] tokens;
    private final int[] positions;
    private final int[] sequences;
    private final byte[] logits;
    private final Pointer[] sequenceSlots;
    private int size;

    BatchBuffer(LlamaLib llama, int capacity) {
        this.llama = llama;
        this.capacity = capacity;
        this.batch = llama.llama_batch_init(capacity, 0, 1);
        this.tokens = new int[capacity];
        this.positions = new int[capacity];
        this.sequences = new int[capacity];
        this.logits = new byte[capacity];
        this.sequenceSlots = batch.seq_id.getPointerArray(0, capacity);
        int[] one = new int[capacity];
        java.util.Arrays.fill(one, 1);
        batch.n_seq_id.write(0, one, 0, capacity);
    }


    int size() {
        return size;
    }

    int room() {
        return capacity - size;
    }

    int capacity() {
        return capacity;
    }

    /** The micro-batches llama.cpp will make of the batch as it stands. */
    int microBatches(MicroBatches counter) {
        return counter.count(sequences, size);
    }

    void clear() {
        size = 0;
    }

    /** Adds a token; returns its index in the batch (where its logits are, if wanted). */
    int add(int token, int position, int sequence, boolean wantLogits) {
        if (size == capacity) {
            throw new IllegalStateException("batch full (" + capacity + " tokens)");
        }
        tokens[size] = token;
        positions[size] = position;
        sequences[size] = sequence;
        logits[size] = wantLogits ? (byte) 1 : (byte) 0;
        return size++;
    }

    /** Decodes the batch; returns llama_decode's result (0 is success). */
    int decode(Pointer context) {
        batch.token.write(0, tokens, 0, size);
        batch.pos.write(0, positions, 0, size);
        batch.logits.write(0, logits, 0, size);
        for (int i = 0; i < size; i++) {
            sequenceSlots[i].setInt(0, sequences[i]);
        }
        batch.n_tokens = size;
        return llama.llama_decode(context, batch);
    }

    @Override
    public void close() {
        batch.n_tokens = 0;
        llama.llama_batch_free(batch);
    }
}
