package dev.parley.worker.engine.cpp;

import dev.parley.schemas.Priority;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The order in which waiting jobs are offered a sequence: interactive jobs first, then batch jobs, each in arrival
 * order; once the batch lane has waited {@code batchAging} without a batch job being admitted, its first job goes
 * ahead of the interactive ones (a starvation clock on the lane, as in the dispatcher). Engine thread only.
 */
final class LaneOrder {

    private final long agingNanos;
    private final LongSupplier nanoClock;
    private long batchServedNanos;
    private boolean batchWaited;

    LaneOrder(long agingNanos, LongSupplier nanoClock) {
        this.agingNanos = agingNanos;
        this.nanoClock = nanoClock;
        this.batchServedNanos = nanoClock.getAsLong();
    }

    /** The waiting jobs in the order they are to be offered a sequence (a copy). */
    List<NativeJob> order(Collection<NativeJob> waiting) {
        List<NativeJob> interactive = new ArrayList<>(waiting.size());
        List<NativeJob> batch = new ArrayList<>();
        for (NativeJob job : waiting) {
            (job.priority() == Priority.BATCH ? batch : interactive).add(job);
        }
        long now = nanoClock.getAsLong();
        if (batch.isEmpty()) {
            batchWaited = false;
        } else if (!batchWaited) {
            batchWaited = true;
            batchServedNanos = now; // the lane starts waiting now
        }
        List<NativeJob> ordered = new ArrayList<>(waiting.size());
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
