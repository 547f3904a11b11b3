package dev.parley.client.internal;

import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs its tasks one at a time, in the order given, on threads of a shared pool; {@link #execute} never blocks. One
 * lane per streamed request keeps its chunks in order while a slow callback of one request holds only its own lane.
 */
final class SerialLane implements Executor {

    private static final Logger log = LoggerFactory.getLogger(SerialLane.class);
    /** Tasks run before the lane gives its pool thread back to other lanes. */
    private static final int BATCH = 64;

    private final Executor pool;
    private final Queue<Runnable> tasks = new ArrayDeque<>();
    private boolean scheduled;

    SerialLane(Executor pool) {
        this.pool = pool;
    }

    @Override
    public void execute(Runnable task) {
        synchronized (this) {
            tasks.add(task);
            if (scheduled) {
                return;
            }
            scheduled = true;
        }
        schedule();
    }

    private void schedule() {
        try {
            pool.execute(this::drain);
        } catch (RejectedExecutionException e) {
            drain(); // the pool is shut down (the client is closing): finish here rather than drop the tasks
        }
    }

    private void drain() {
        for (int ran = 0; ran < BATCH; ran++) {
            Runnable next;
            synchronized (this) {
                next = tasks.poll();
                if (next == null) {
                    scheduled = false;
                    return;
                }
            }
            try {
                next.run();
            } catch (RuntimeException e) {
                log.warn("A chunk or reply callback failed; the stream goes on", e);
            }
        }
        schedule(); // more to do: queue behind the other lanes instead of holding the thread
    }
}
