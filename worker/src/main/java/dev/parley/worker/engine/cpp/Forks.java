package dev.parley.worker.engine.cpp;

import com.sun.jna.Pointer;
import dev.parley.schemas.FinishReason;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/**
 * The further answers of a turn that asks for several (OpenAI's {@code n}): the prompt is computed once, in the turn's
 * own sequence, and its KV is copied with {@code llama_memory_seq_cp} into a sequence per further answer, which then
 * decode in the same steps as the first, each with its own sampler chain. Engine thread only.
 *
 * <p>Sequences: a forked turn starts only when, besides its own, {@code n - 1} more are idle; until then it waits in
 * line as a job whose sequence is busy does, and each admission pass it waits is counted
 * ({@link PublishedStats#forkWaits}). It then
 * takes them at once (empty ones first, then the least recently used, one whose conversation has a turn waiting
 * last; a conversation in one is snapshotted as for any job taking its sequence), so it never holds some while
 * waiting for others. A turn asking for more answers than the engine has sequences is refused before it is queued
 * ({@link NativeEngine#generate}). A fork's sequence is cleared when its answer ends, on every path (finished,
 * cancelled, failed, abandoned, or its turn ended before the prompt was computed); the forked jobs are never paused
 * for interactive ones ({@link Preemption}).
 *
 * <p>In the per-sequence layout each sequence is a stream of its own, and llama.cpp copies a whole stream's buffers
 * (the size of a slot's context, not of the prompt) at the next decode; in the unified layout the copy only marks
 * the prompt's cells as the fork's too.
 */
final class Forks {

    private final EngineState state;
    private final DiskTier disk;
    private final Pointer memory;
    /** Where the counts go, for metrics and tests. */
    private final PublishedStats counts;

    Forks(EngineState state, DiskTier disk, PublishedStats counts) {
        this.state = state;
        this.disk = disk;
        this.memory = state.memory;
        this.counts = counts;
    }

    /** Whether the job's forks can each get an idle sequence now, besides {@code own}; a wait is counted if not. */
    boolean available(NativeJob job, Sequence own) {
        if (job.forks.isEmpty() || idleBesides(own, Set.of()).size() >= job.forks.size()) {
            return true;
        }
        counts.forkWaits++; // single writer: the engine thread
        return false;
    }

    /** Gives each fork of a job that just started an idle sequence, emptied, and what it samples with. */
    void reserve(NativeJob job, Set<String> waitingConversations) {
        List<Sequence> idle = idleBesides(job.sequence, waitingConversations);
        for (int i = 0; i < job.forks.size(); i++) {
            NativeJob fork = job.forks.get(i);
            Sequence sequence = idle.get(i);
            if (!sequence.empty()) {
                disk.evict(sequence); // its conversation is snapshotted, as for any job taking its sequence
            }
            sequence.job = fork;
            fork.sequence = sequence;
            fork.admittedNanos = job.admittedNanos;
            fork.startOutput(state.llama, state.model);
        }
    }

    /**
     * The job's prompt is computed: its KV is copied to each fork's sequence, and the forks join the running jobs,
     * their first token to be sampled from the job's row of logits. Returns the forks.
     */
    List<NativeJob> branch(NativeJob job) {
        for (NativeJob fork : job.forks) {
            Sequence sequence = fork.sequence;
            state.llama.llama_memory_seq_cp(memory, job.sequence.id, sequence.id, -1, -1);
            sequence.tokens.clear();
            sequence.tokens.addAll(job.prompt, 0, job.prompt.length);
            fork.tier = job.tier;
            fork.cachedTokens = job.prompt.length;
            fork.cursor = job.prompt.length;
            fork.outputIndex = job.outputIndex;
            fork.admitted();
            state.running.add(fork);
            counts.forkCopies++;
        }
        return job.forks;
    }

    /**
     * The job left its sequence: forks whose prompt was never copied give theirs back and end as cancelled (the
     * turn's own outcome, a failure included, is what its caller acts on).
     */
    void endUnbranched(NativeJob job) {
        for (NativeJob fork : job.forks) {
            // A branched fork (running, or finished in this very step with its outcome not handed over yet) has
            // the prompt copied; it gives back its own sequence and sampler when it ends.
            if (fork.done() || !fork.prefilling()) {
                continue;
            }
            if (fork.sequence != null) {
                fork.sequence.job = null;
                state.clear(fork.sequence);
                fork.sequence = null;
            }
            fork.releaseWaiting();
            fork.complete(FinishReason.CANCELLED);
        }
    }

    /** The idle sequences but {@code own}: empty first, then least recently used, a waiting conversation's last. */
    private List<Sequence> idleBesides(Sequence own, Set<String> waitingConversations) {
        List<Sequence> idle = new ArrayList<>();
        for (Sequence sequence : state.sequences) {
            if (sequence != own && sequence.idle()) {
                idle.add(sequence);
            }
        }
        idle.sort(Comparator.comparingInt((Sequence s) -> s.empty() ? 0
                        : waitingConversations.contains(s.conversationId) ? 2 : 1)
                .thenComparingLong(s -> s.lastUsed));
        return idle;
    }
}
