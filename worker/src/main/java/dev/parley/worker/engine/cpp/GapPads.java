package dev.parley.worker.engine.cpp;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The throw-away tokens that fill the gaps between a step's sequences ({@link GapPadding}): each idle sequence (no
 * job) between two that have a token this step gets one token at its next position, without logits, and loses it
 * again once the step is computed, so its cells are as they were. A sequence with no cell to spare, or whose job waits
 * for its prompt's turn, gets none (the step then splits there, as without padding). Engine thread only.
 */
final class GapPads {

    private static final Logger log = LoggerFactory.getLogger(GapPads.class);
    /** Any token will do: its output is never read and its cell is dropped after the step. */
    private static final int FILLER = 0;

    private final EngineState state;
    private final boolean enabled;
    private final int cellsPerSequence;
    private final int[] padded;
    private final int[] positions;
    private int count;
    private boolean dropFailureLogged;

    GapPads(EngineState state, boolean enabled, int cellsPerSequence) {
        this.state = state;
        this.enabled = enabled;
        this.cellsPerSequence = cellsPerSequence;
        this.padded = new int[state.sequences.length];
        this.positions = new int[state.sequences.length];
    }

    /** Pads the sequences strictly between {@code after} and {@code before} (ids, in batch order); -1: none before. */
    void fill(BatchBuffer batch, int after, int before) {
        if (!enabled || after < 0) {
            return;
        }
        for (int id = after + 1; id < before; id++) {
            if (!state.sequences[id].idle()) {
                continue;
            }
            int position = state.llama.llama_memory_seq_pos_max(state.memory, id) + 1;
            if (position + 1 > cellsPerSequence) {
                continue;
            }
            batch.add(FILLER, position, id, false);
            padded[count] = id;
            positions[count++] = position;
        }
    }

    /**
     * After the step's decode: drops the padding tokens' cells; returns how many there were. Should llama.cpp refuse (a cache that cannot cut a
     * sequence), the sequence is cleared: its conversation then comes back from a snapshot or its history.
     */
    int drop() {
        for (int i = 0; i < count; i++) {
            int id = padded[i];
            if (state.llama.llama_memory_seq_rm(state.memory, id, positions[i], -1) == 0) {
                if (!dropFailureLogged) {
                    dropFailureLogged = true;
                    log.warn("llama.cpp could not drop a gap's padding token from sequence {}: the sequence is "
                            + "cleared (logged once)", id);
                }
                state.clear(state.sequences[id]);
            }
        }
        int dropped = count;
        count = 0;
        return dropped;
    }
}
