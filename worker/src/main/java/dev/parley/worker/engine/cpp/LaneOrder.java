package dev.parley.worker.engine.cpp;

import dev.parley.schemas.Priority;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The order in which waiting jobs are offered a sequence: interactive jobs first, then batch jobs, each in arrival
 * order; once the batch lane has waited {@code batchAging} without a batch job being admitted, its first job goes
 * ahead of the interactive ones (a starvation clock on the lane, as in the dispatcher). A batch job paused as often as
 * its bound allows goes ahead of the interactive ones too: waiting behind a new interactive job once its sequence is
 * free again would be one more pause by another name. Engine thread only.
 */
final class LaneOrder {

    private final long agingNanos;
    private final int maxPreemptions;
    private final LongSupplier nanoClock;
    private long batchServedNanos;
    private boolean batchWaited;

    LaneOrder(long agingNanos, int maxPreemptions, LongSupplier nanoClock) {
        this.agingNanos = agingNanos;
        this.maxPreemptions = maxPreemptions;
        this.nanoClock = nanoClock;
        this.batchServedNanos = nanoClock.getAsLong();
    }

    /** The waiting jobs in the order they are to be offered a sequence (a copy). */
    List<NativeJob> order(Collection<NativeJob> waiting) {
        List<NativeJob> resuming = new ArrayList<>();
        List<NativeJob> interactive = new ArrayList<>(waiting.size());
        List<NativeJob> batch = new ArrayList<>();
        for (NativeJob job : waiting) {
            if (job.priority() != Priority.BATCH) {
                interactive.add(job);
            } else if (job.paused() && job.preemptions >= maxPreemptions) {
                resuming.add(job);
            } else {
                batch.add(job);
            }
        }
        long now = nanoClock.getAsLong();
        if (batch.isEmpty()) {
            batchWaited = false;
        } else if (!batchWaited) {
            batchWaited = true;
            batchServedNanos = now; // the lane starts waiting now
        }
        List<NativeJob> ordered = new ArrayList<>(resuming);
        if (!batch.isEmpty() && now - batchServedNanos >= agingNanos) {
            ordered.add(batch.remove(0));
        }
        ordered.addAll(interactive);
        ordered.addAll(batch);
        return ordered;
    }

    /** A job got a sequence. */
    void admitted(NativeJob job) {
        if (job.priority() == Priority.BATCH) {
            batchServedNanos = nanoClock.getAsLong();
        }
    }
}
