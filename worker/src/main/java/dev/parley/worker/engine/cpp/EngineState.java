package dev.parley.worker.engine.cpp;

import com.sun.jna.Pointer;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * What the engine thread's collaborators ({@link Admission}, {@link Preemption}, {@link DecodeStep},
 * {@link DiskTier}) share: llama.cpp's context, the sequences, the batch, the RAM tiers and the two queues of jobs
 * that own a place in the engine. Created once by {@link NativeEngine} and passed to each, so they all see one
 * {@code waiting} and one {@code running}. Engine thread only (see the package description for who writes what).
 */
final class EngineState {

    final LlamaLib llama;
    final NativeModel model;
    final Pointer context;
    final Pointer memory;
    final Sequence[] sequences;
    final BatchBuffer batch;
    final SnapshotTier snapshots;
    final PrefixTier prefixes;
    /** The order jobs start in: interactive lane first, batch lane aged ({@link LaneOrder}). */
    final LaneOrder order;
    /** The wall clock deadlines are read from (a test moves its own instead of waiting). */
    final Clock clock;
    /** Jobs handed over by turn threads and not holding a sequence (new, or paused by preemption). */
    final ArrayDeque<NativeJob> waiting = new ArrayDeque<>();
    /** Jobs holding a sequence; interactive ones first, which is the order the prompt budget is shared in. */
    final List<NativeJob> running = new ArrayList<>();
    /** Text and outcomes decided by the last step and not yet delivered to the turns. */
    final HandOver handOver;

    EngineState(LlamaLib llama, NativeModel model, Pointer context, Sequence[] sequences, BatchBuffer batch,
                SnapshotTier snapshots, PrefixTier prefixes, LaneOrder order, Clock clock) {
        this.llama = llama;
        this.model = model;
        this.context = context;
        this.memory = llama.llama_get_memory(context);
        this.sequences = sequences;
        this.batch = batch;
        this.snapshots = snapshots;
        this.prefixes = prefixes;
        this.order = order;
        this.clock = clock;
        this.handOver = new HandOver(model);
    }

    /** Fails every job the engine holds (the engine thread is ending) and frees what they hold. */
    void failAll(RuntimeException error) {
        running.forEach(job -> {
            if (job.sampler != null) {
                job.sampler.close();
            }
            job.fail(error);
            job.forks.forEach(fork -> fork.fail(error)); // those not running yet: no-op for the others
        });
        waiting.forEach(job -> {
            job.releaseWaiting();
            job.fail(error);
            job.forks.forEach(fork -> fork.fail(error));
        });
        running.clear();
        waiting.clear();
    }

    /** Clears a sequence's cells and tokens, after a failure left them uncertain. */
    void clear(Sequence sequence) {
        llama.llama_memory_seq_rm(memory, sequence.id, -1, -1);
        sequence.reset();
    }
}
