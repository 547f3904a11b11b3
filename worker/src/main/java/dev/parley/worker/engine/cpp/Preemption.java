package dev.parley.worker.engine.cpp;

import com.sun.jna.Pointer;
import dev.parley.schemas.Priority;
import dev.parley.worker.engine.EngineException;
import java.util.ArrayDeque;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pauses running batch jobs for interactive jobs that wait for a sequence, and resumes them. Pausing copies the
 * sequence's KV state into host RAM (held by the job itself, outside the snapshot budget, so it can never be dropped
 * while the job waits), clears the sequence and puts the job back among the waiting ones with everything else it
 * had: sampler chain, text stream, generated count, pending token, prompt cursor. Resuming copies the state into
 * whichever sequence the job gets, so decoding goes on exactly where it stopped: a greedy answer is token-identical
 * to an uninterrupted one. Engine thread only.
 *
 * <p>Paused state is bounded by the jobs in the engine (at most one copy each), each the size of one sequence's
 * cells in use. Should llama.cpp refuse the copy, the job is not paused; should it refuse the restore, the tokens
 * are computed again (no logits) into the new sequence.
 */
final class Preemption {

    private static final Logger log = LoggerFactory.getLogger(Preemption.class);

    private final EngineState state;
    private final LlamaLib llama;
    private final Pointer context;
    private final BatchBuffer batch;
    private final NativeLanes lanes;
    private final LaneOrder order;
    private final ArrayDeque<NativeJob> waiting;
    private final List<NativeJob> running;
    private long count;
    private long recomputed;

    Preemption(EngineState state, NativeLanes lanes) {
        this.state = state;
        this.llama = state.llama;
        this.context = state.context;
        this.batch = state.batch;
        this.order = state.order;
        this.waiting = state.waiting;
        this.running = state.running;
        this.lanes = lanes;
    }

    /**
     * After admission: pauses one eligible batch job for each interactive job still waiting ahead of the batch lane
     * (admission found no sequence for it). Returns whether any was paused (admission should run again).
     */
    boolean pauseForWaiting() {
        if (!lanes.preempts()) {
            return false;
        }
        int needing = 0;
        for (NativeJob job : order.order(waiting)) {
            if (job.priority() == Priority.BATCH) {
                break; // an aged batch job goes first: nothing is paused for the jobs behind it
            }
            if (!job.abandoned()) {
                needing++;
            }
        }
        boolean paused = false;
        for (int i = 0; i < needing; i++) {
            NativeJob victim = victim();
            if (victim == null || !pause(victim)) {
                break;
            }
            paused = true;
        }
        return paused;
    }

    /** The running batch job with the most work left among those the bounds allow pausing, or null. */
    private NativeJob victim() {
        NativeJob best = null;
        for (NativeJob job : running) {
            if (job.priority() != Priority.BATCH || job.done() || job.forked() // forks share one prompt's KV
                    || job.preemptions >= lanes.maxPreemptions()
                    || job.computedSinceAdmission() < lanes.minTokensBetween()) {
                continue;
            }
            if (best == null || job.remaining() > best.remaining()) {
                best = job;
            }
        }
        return best;
    }

    /** Copies the job's sequence to host RAM, frees the sequence and puts the job back in line; false if refused. */
    private boolean pause(NativeJob job) {
        Sequence sequence = job.sequence;
        long size = llama.llama_state_seq_get_size(context, sequence.id);
        KvSnapshot parked = size > 0 ? state.snapshots.copyOut(sequence, size) : null;
        if (parked == null) {
            return false;
        }
        job.parked = parked;
        state.clear(sequence);
        sequence.job = null;
        job.sequence = null;
        job.outputIndex = -1;
        job.preemptions++;
        running.remove(job);
        waiting.addFirst(job); // first in the batch lane: it started before the batch jobs still waiting
        count++;
        log.debug("Paused a batch generation of {} ({} tokens) for an interactive one", job.conversationId(),
                job.parked.tokens().length);
        return true;
    }

    /** Puts a paused job's state into the sequence admission gave it; the job is then ready to run again. */
    void resume(NativeJob job, Sequence sequence, SnapshotTier tier) {
        if (!sequence.empty()) {
            tier.evict(sequence);
        }
        sequence.conversationId = job.conversationId();
        KvSnapshot parked = job.parked;
        job.parked = null;
        try (parked) {
            if (!parked.belongsTo(job.conversationId()) || !tier.restore(parked, sequence)) {
                recompute(parked.tokens(), sequence);
            }
        }
        job.sequence = sequence;
        sequence.job = job;
    }

    /** Computes the tokens into an emptied sequence again (no logits: the job's pending token comes next). */
    private void recompute(int[] tokens, Sequence sequence) {
        recomputed++;
        llama.llama_memory_seq_rm(state.memory, sequence.id, -1, -1);
        sequence.tokens.clear();
        for (int from = 0; from < tokens.length; ) {
            batch.clear();
            int to = Math.min(tokens.length, from + batch.room());
            for (int i = from; i < to; i++) {
                batch.add(tokens[i], i, sequence.id, false);
            }
            int result = batch.decode(context);
            batch.clear();
            if (result != 0) {
                state.clear(sequence);
                throw new EngineException("llama_decode returned " + result + " computing a paused generation again");
            }
            sequence.tokens.addAll(tokens, from, to);
            from = to;
        }
    }

    /** Batch jobs paused so far. */
    long count() {
        return count;
    }

    /** Resumptions whose copy llama.cpp refused, computed again instead. */
    long recomputed() {
        return recomputed;
    }
}
