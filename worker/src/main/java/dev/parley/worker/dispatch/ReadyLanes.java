package dev.parley.worker.dispatch;

import dev.parley.schemas.Priority;
import java.util.Comparator;
import java.util.TreeSet;
import java.util.function.LongSupplier;
import java.util.function.ToLongFunction;

/**
 * The conversations whose next turn may start, in two lanes by the priority of that head turn, each ordered by the
 * head's arrival, and the choice of the next one under a {@link LanePolicy}. Only heads are here, so the order of a
 * conversation's turns never depends on priorities. Not thread-safe: the {@link Dispatcher} guards it.
 *
 * <p>Aging is a starvation clock on the batch lane, not on each turn: when the batch lane has had a waiting turn and
 * no start for {@code batchAging}, its head takes the next free place, ahead of interactive turns and in a reserved
 * place if need be; then the clock starts again. Per-turn aging would let a flood of batch turns, all of which
 * eventually age, crowd out interactive traffic for good; this way a batch flood costs interactive turns at most
 * one place per {@code batchAging}, and the batch lane still gets a place at least that often.
 *
 * @param <C> the dispatcher's conversation
 */
final class ReadyLanes<C> {

    /** What the lanes need to know about a conversation's head turn. */
    interface Head<C> {
        /** Arrival order of the head turn (smaller is earlier); unique among ready conversations. */
        long sequence(C conversation);

        Priority priority(C conversation);
    }

    private final Head<C> head;
    private final LongSupplier nanoClock;
    private final TreeSet<C> interactive;
    private final TreeSet<C> batch;
    private final int maxInFlight;
    private final int maxWithReserve;
    private final long agingNanos;
    /** When a batch turn last started, or the batch lane last became non-empty. */
    private long batchServedNanos;
    private long aged;

    ReadyLanes(Head<C> head, int maxInFlight, LanePolicy policy, LongSupplier nanoClock) {
        this.head = head;
        this.nanoClock = nanoClock;
        Comparator<C> byArrival = Comparator.comparingLong((ToLongFunction<C>) head::sequence);
        this.interactive = new TreeSet<>(byArrival);
        this.batch = new TreeSet<>(byArrival);
        this.maxInFlight = maxInFlight;
        this.maxWithReserve = maxInFlight + policy.interactiveReserve();
        this.agingNanos = policy.batchAging().toNanos();
        this.batchServedNanos = nanoClock.getAsLong();
    }

    /** Adds a conversation by its current head (its head must not change while it is here). */
    void add(C conversation) {
        if (head.priority(conversation) == Priority.BATCH) {
            if (batch.isEmpty()) {
                batchServedNanos = nanoClock.getAsLong(); // the lane starts waiting now
            }
            batch.add(conversation);
        } else {
            interactive.add(conversation);
        }
    }

    /** Removes a conversation (call before its head changes); whether it was here. */
    boolean remove(C conversation) {
        return interactive.remove(conversation) || batch.remove(conversation);
    }

    boolean isEmpty() {
        return interactive.isEmpty() && batch.isEmpty();
    }

    /** Takes the conversation whose head starts next, or null when none may start with {@code running} turns running. */
    C poll(int running) {
        if (running >= maxWithReserve) {
            return null;
        }
        long now = nanoClock.getAsLong();
        if (!batch.isEmpty() && now - batchServedNanos >= agingNanos) {
            if (!interactive.isEmpty() || running >= maxInFlight) {
                aged++; // started only because the batch lane had waited its bound
            }
            return pollBatch(now);
        }
        if (!interactive.isEmpty()) {
            return interactive.pollFirst();
        }
        if (!batch.isEmpty() && running < maxInFlight) {
            return pollBatch(now);
        }
        return null;
    }

    /** Ready conversations whose head is in this lane. */
    int size(Priority priority) {
        return priority == Priority.BATCH ? batch.size() : interactive.size();
    }

    /** Batch turns started ahead of interactive ones, or in a reserved place, because the batch lane had aged. */
    long aged() {
        return aged;
    }

    private C pollBatch(long now) {
        batchServedNanos = now;
        return batch.pollFirst();
    }
}
