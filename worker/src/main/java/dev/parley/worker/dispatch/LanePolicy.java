package dev.parley.worker.dispatch;

import java.time.Duration;
import java.util.Objects;

/**
 * How the dispatcher shares places between the lanes ({@link dev.parley.schemas.Priority}).
 *
 * <p>Interactive turns start before batch turns. So that batch work is never starved, the batch lane ages: once it
 * has had a waiting turn and no start for {@code batchAging}, its head takes the next free place as if it were
 * interactive. While interactive traffic keeps every place busy, the batch lane still starts a turn at least once per
 * {@code batchAging} (plus the time a place takes to free); the k-th batch turn in line waits at most about k times
 * that.
 *
 * <p>Batch turns take at most {@code maxInFlight} places; interactive turns may take {@code interactiveReserve}
 * places more. With an engine that preempts, the reserve lets an interactive turn reach the engine while every slot
 * runs a batch turn, so the engine can pause one of them for it; with an engine that does not, it is 0 and an
 * interactive turn takes the next free place ahead of queued batch turns.
 *
 * @param batchAging         how long the batch lane waits without a start before its head counts as interactive
 * @param interactiveReserve places beyond {@code maxInFlight} that only interactive (or aged batch) turns take
 */
public record LanePolicy(Duration batchAging, int interactiveReserve) {

    /** Default aging bound: the batch lane goes at most this long without a start while interactive traffic flows. */
    public static final Duration DEFAULT_BATCH_AGING = Duration.ofSeconds(30);
    /** Lanes on, no reserve: for engines without preemption. */
    public static final LanePolicy DEFAULT = new LanePolicy(DEFAULT_BATCH_AGING, 0);

    public LanePolicy {
        Objects.requireNonNull(batchAging, "batchAging");
        if (batchAging.isNegative()) {
            throw new IllegalArgumentException("batch-aging must be >= 0, got " + batchAging);
        }
        if (interactiveReserve < 0) {
            throw new IllegalArgumentException("interactiveReserve must be >= 0, got " + interactiveReserve);
        }
    }

    /** This policy with another reserve. */
    public LanePolicy withInteractiveReserve(int places) {
        return new LanePolicy(batchAging, places);
    }
}
