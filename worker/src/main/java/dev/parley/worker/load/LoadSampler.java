package dev.parley.worker.load;

import dev.parley.schemas.WorkerLoad;
import dev.parley.worker.dispatch.Dispatcher;
import java.util.function.DoubleSupplier;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The worker's load as it announces it ({@link WorkerLoad}): turns waiting in the dispatcher and for an engine slot,
 * their estimated prompt tokens, its consumer's lag, recent throughput (over busy time) and the busiest tenants. Each call is one
 * sample (throughput is measured between calls), so one thread, the announcer's, calls it.
 */
public final class LoadSampler implements Supplier<WorkerLoad> {

    private final Dispatcher dispatcher;
    private final IntSupplier busySlots;
    private final LongSupplier unreadRecords;
    private final DoubleSupplier tokensGenerated;
    private final DoubleSupplier turnsFinished;
    private final LongSupplier nanoTime;
    private final Throughput tokens = new Throughput();
    private final Throughput turns = new Throughput();

    /**
     * @param busySlots       sequences the engine decodes now, or a negative number when it does not say
     * @param unreadRecords   records on the assigned partitions not read yet (readable from this thread)
     * @param tokensGenerated tokens generated since start
     * @param turnsFinished   turns finished since start
     */
    public LoadSampler(Dispatcher dispatcher, IntSupplier busySlots, LongSupplier unreadRecords,
                       DoubleSupplier tokensGenerated, DoubleSupplier turnsFinished, LongSupplier nanoTime) {
        this.dispatcher = dispatcher;
        this.busySlots = busySlots;
        this.unreadRecords = unreadRecords;
        this.tokensGenerated = tokensGenerated;
        this.turnsFinished = turnsFinished;
        this.nanoTime = nanoTime;
    }

    @Override
    public synchronized WorkerLoad get() {
        QueuedWork queued = new QueuedWork();
        int inFlight = dispatcher.tallyQueued(queued);
        int busySlotsNow = busySlots.getAsInt();
        // Turns the dispatcher started but the engine has no slot for yet wait inside the engine.
        int running = busySlotsNow < 0 ? inFlight : Math.min(busySlotsNow, inFlight);
        long now = nanoTime.getAsLong();
        boolean busy = inFlight > 0 || queued.turns() > 0;
        return new WorkerLoad(queued.turns() + inFlight - running, queued.promptTokens(),
                Math.max(0, unreadRecords.getAsLong()), running,
                tokens.sample(now, tokensGenerated.getAsDouble(), busy),
                turns.sample(now, turnsFinished.getAsDouble(), busy), queued.busiestTenants());
    }
}
