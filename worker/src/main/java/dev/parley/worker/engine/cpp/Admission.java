package dev.parley.worker.engine.cpp;

import dev.parley.schemas.FinishReason;
import dev.parley.schemas.Priority;
import dev.parley.worker.engine.EngineException;
import dev.parley.worker.engine.KvTier;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives waiting jobs a sequence, interactive ones first: the conversation's own (its prefix reused in place), else an
 * empty one or the least recently used idle one, into which the conversation's snapshot is restored when there is one
 * (from RAM, else from disk once its file is read). An idle sequence whose own conversation has a job waiting is left
 * to that job: taking it would snapshot a conversation only to restore it elsewhere a moment later. A job that cannot
 * start is failed, never left without an outcome. Engine thread only.
 */
final class Admission {

    private static final Logger log = LoggerFactory.getLogger(Admission.class);

    private final EngineState state;
    private final LlamaLib llama;
    private final Sequence[] sequences;
    private final SnapshotTier snapshots;
    private final PrefixTier prefixes;
    private final DiskTier disk;
    private final ArrayDeque<NativeJob> waiting;
    private final List<NativeJob> running;
    private final LaneOrder lanes;
    private final Preemption preemption;
    private final Forks forks;

    Admission(EngineState state, DiskTier disk, Preemption preemption, Forks forks) {
        this.state = state;
        this.llama = state.llama;
        this.sequences = state.sequences;
        this.snapshots = state.snapshots;
        this.prefixes = state.prefixes;
        this.waiting = state.waiting;
        this.running = state.running;
        this.lanes = state.order;
        this.disk = disk;
        this.preemption = preemption;
        this.forks = forks;
    }

    /**
     * Gives waiting jobs a sequence, in lane order (interactive first, arrival order within a lane, see
     * {@link LaneOrder}); a job whose conversation's sequence is busy waits, and so does a new one whose shared prefix
     * a running job is about to keep, or whose snapshot file is being read. A paused job is resumed.
     */
    void admit() {
        Set<String> waitingConversations = new HashSet<>();
        waiting.forEach(job -> waitingConversations.add(job.conversationId()));
        for (NativeJob job : lanes.order(waiting)) {
            if (job.abandoned()) {
                waiting.remove(job);
                disk.discard(job);
                job.releaseWaiting();
                job.dropAbandoned();
                forks.endUnbranched(job);
                continue;
            }
            FinishReason early = job.interruption(state.clock);
            if (early != null) {
                waiting.remove(job);
                disk.discard(job);
                endWaiting(job, early);
                continue;
            }
            if (!job.paused() && disk.loading(job)) {
                continue; // its snapshot file is being read: the jobs behind it go on meanwhile
            }
            Sequence sequence = sequenceFor(job.conversationId(), waitingConversations);
            if (sequence == null || (!job.paused() && !warm(job.conversationId())
                    && prefixes.beingComputed(job, running)) || !forks.available(job, sequence)) {
                continue;
            }
            waiting.remove(job);
            try {
                if (job.paused()) {
                    preemption.resume(job, sequence, snapshots);
                } else {
                    start(job, sequence);
                    forks.reserve(job, waitingConversations);
                }
            } catch (RuntimeException e) {
                // Never leave a job that left the waiting list without an outcome: its caller would wait forever.
                log.warn("Starting a generation failed; its sequence is cleared", e);
                job.releaseWaiting();
                sequence.job = null;
                state.clear(sequence);
                job.fail(new EngineException("starting the generation failed: " + e.getMessage(), e));
                forks.endUnbranched(job);
                continue;
            }
            job.admitted();
            lanes.admitted(job);
            if (job.priority() == Priority.BATCH) {
                running.add(job);
            } else {
                running.add(0, job); // its prompt chunks go first in each step's budget
            }
        }
    }

    /** Ends a job cancelled or past its deadline before it got (back) a sequence. */
    private void endWaiting(NativeJob job, FinishReason reason) {
        if (job.paused()) {
            // a paused job already streamed text: the rest of what it held back goes out, as at any other stop,
            // after what its last step decided
            state.handOver.deliver();
            job.releaseWaiting();
            try {
                job.flushOutput();
            } catch (RuntimeException e) {
                job.fail(new EngineException("the token listener failed: " + e.getMessage(), e));
                return;
            }
        } else {
            job.tier = KvTier.PREFILL;
        }
        job.complete(reason);
        forks.endUnbranched(job);
    }

    /** Whether the conversation's context is in a sequence or a snapshot (so it needs no shared prefix). */
    private boolean warm(String conversationId) {
        for (Sequence sequence : sequences) {
            if (conversationId.equals(sequence.conversationId)) {
                return true;
            }
        }
        return snapshots.store().contains(conversationId);
    }

    /**
     * The conversation's own sequence if it has one, else an empty one, else the least recently used idle one that no
     * waiting job's conversation holds; null when the job must wait.
     */
    private Sequence sequenceFor(String conversationId, Set<String> waitingConversations) {
        Sequence empty = null;
        Sequence leastRecent = null;
        for (Sequence sequence : sequences) {
            if (conversationId.equals(sequence.conversationId)) {
                return sequence.idle() ? sequence : null;
            }
            if (!sequence.idle()) {
                continue;
            }
            if (sequence.empty()) {
                empty = empty == null ? sequence : empty;
            } else if (waitingConversations.contains(sequence.conversationId)) {
                continue; // its own conversation's next turn is waiting: it will be reused in place
            } else if (leastRecent == null || sequence.lastUsed < leastRecent.lastUsed) {
                leastRecent = sequence;
            }
        }
        return empty != null ? empty : leastRecent;
    }

    /** Puts the job's conversation into the sequence, from the best tier that has it, and plans its prefill. */
    private void start(NativeJob job, Sequence sequence) {
        job.admittedNanos = System.nanoTime();
        String conversationId = job.conversationId();
        int[] prompt = job.prompt;
        int reusable = 0;
        KvTier tier = KvTier.PREFILL;
        if (conversationId.equals(sequence.conversationId)) {
            disk.discard(job); // none was started for a conversation in its sequence; never leave one behind
            reusable = sequence.tokens.commonPrefix(prompt);
            tier = KvTier.IN_PLACE;
        } else {
            if (!sequence.empty()) {
                disk.evict(sequence);
            }
            sequence.conversationId = conversationId;
            KvSnapshot inRam = snapshots.take(conversationId);
            KvSnapshot fromDisk = disk.takeLoaded(job);
            KvTier from = inRam != null ? KvTier.SNAPSHOT : KvTier.DISK;
            KvSnapshot snapshot = inRam != null ? inRam : fromDisk;
            if (inRam != null && fromDisk != null) {
                fromDisk.close();
            }
            if (snapshot != null) {
                try (snapshot) {
                    int common = TokenList.commonPrefix(snapshot.tokens(), snapshot.tokens().length, prompt);
                    if (common > 0 && snapshot.belongsTo(conversationId) && (from == KvTier.SNAPSHOT
                            ? snapshots.restore(snapshot, sequence) : disk.restore(snapshot, sequence))) {
                        reusable = common;
                        tier = from;
                    }
                }
            }
        }
        if (reusable == 0) {
            // Nothing of its own to reuse: a prefix shared with other conversations may still save computing.
            reusable = prefixes.restore(job, sequence);
            tier = KvTier.PREFIX;
        }
        // The last prompt token is always computed again: its logits give the first answer token.
        reusable = Math.min(reusable, prompt.length - 1);
        if (reusable < sequence.tokens.size()) {
            llama.llama_memory_seq_rm(state.memory, sequence.id, reusable, -1);
            sequence.tokens.truncate(reusable);
        }
        job.tier = reusable > 0 ? tier : KvTier.PREFILL;
        job.cachedTokens = reusable;
        job.restoredTokens = job.tier == KvTier.SNAPSHOT ? reusable : 0;
        job.prefixTokens = job.tier == KvTier.PREFIX ? reusable : 0;
        job.diskTokens = job.tier == KvTier.DISK ? reusable : 0;
        job.cursor = reusable;
        job.sequence = sequence;
        job.startOutput(llama, state.model);
        sequence.job = job;
    }

}
