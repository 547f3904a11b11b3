package dev.parley.worker.control;

import dev.parley.worker.history.HistoryUnavailableException;
import dev.parley.worker.metrics.WorkerMetrics;
import dev.parley.schemas.retry.Backoff;
import dev.parley.schemas.retry.FailureStreak;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes cancellations to the history store on its own thread, so that the control listener never waits on Redis: a
 * Redis outage during a burst of cancels (clients dropping streams is what an outage produces) would otherwise hold
 * the listener for seconds per cancel, and every worker, reading every cancel, would look stalled at once.
 *
 * <p>Cancellations wait in a bounded queue, oldest first. While Redis is unavailable the oldest is retried, counted as
 * {@code parley.retries{loop=cancel_store}}, after a growing, jittered pause capped at the backoff's maximum; nothing
 * is given up while the outage lasts. When the queue is full, the oldest waiting cancellation is dropped (counted in
 * {@code parley.cancels.unstored}): the worker that read it still acts on it, and the newest cancels are the ones
 * whose requests are most likely still to come. Any other failure drops that one cancellation, logged and counted.
 */
final class CancelStore implements AutoCloseable {

    /** Cancellations waiting for Redis at most, by default ({@code cancel-queue}): a few MB of heap. */
    static final int DEFAULT_CAPACITY = (Integer) dev.parley.worker.config.Setting.CANCEL_QUEUE.typedDefault();

    private static final Logger log = LoggerFactory.getLogger(CancelStore.class);

    /** One cancellation to write. */
    record Pending(String conversationId, String requestId) {
    }

    private final ControlListener.CancelLog cancelLog;
    private final WorkerMetrics metrics;
    private final Backoff backoff;
    private final int capacity;
    private final Deque<Pending> queue = new ArrayDeque<>();
    private boolean closed;
    private volatile Thread thread;

    CancelStore(ControlListener.CancelLog cancelLog, WorkerMetrics metrics, Backoff backoff, int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("cancel store capacity must be >= 1, got " + capacity);
        }
        this.cancelLog = cancelLog;
        this.metrics = metrics;
        this.backoff = backoff;
        this.capacity = capacity;
    }

    /** Starts the writing thread (once: a second call changes nothing). */
    synchronized CancelStore start(String threadName) {
        if (thread != null) {
            return this;
        }
        Thread started = new Thread(this::run, threadName);
        started.setDaemon(true);
        thread = started;
        started.start();
        return this;
    }

    /** Queues a cancellation; never blocks. */
    synchronized void submit(String conversationId, String requestId) {
        if (closed) {
            return;
        }
        if (queue.size() >= capacity) {
            Pending dropped = queue.pollFirst();
            metrics.cancelUnstored("queue_full");
            log.warn("Cancellations waiting for Redis exceed {}; the oldest ({}) is not stored (this worker still "
                    + "acts on it)", capacity, dropped.requestId());
        }
        queue.addLast(new Pending(conversationId, requestId));
        notifyAll();
    }

    /** Cancellations waiting to be written. */
    synchronized int waiting() {
        return queue.size();
    }

    private void run() {
        FailureStreak failures = FailureStreak.jittered(backoff);
        Pending next;
        while ((next = awaitNext()) != null) {
            try {
                cancelLog.markCancelled(next.conversationId(), next.requestId());
                failures.succeeded();
                remove(next);
            } catch (HistoryUnavailableException e) {
                // Jittered: every worker reads every cancel, so all of them retry Redis together.
                Duration pause = failures.failed();
                metrics.retried("cancel_store");
                if (failures.worthLogging()) {
                    log.warn("Could not record the cancellation of {} (attempt {}; {} waiting), retrying in {}: {}",
                            next.requestId(), failures.count(), waiting(), pause, e.getMessage());
                }
                if (!pause(pause)) {
                    return;
                }
            } catch (RuntimeException e) {
                failures.succeeded(); // that cancellation is given up: the next one starts a streak of its own
                remove(next);
                metrics.cancelUnstored("failed");
                log.error("Could not record the cancellation of {}; only this worker knows of it", next.requestId(), e);
            }
        }
    }

    private synchronized Pending awaitNext() {
        while (!closed && queue.isEmpty()) {
            try {
                wait();
            } catch (InterruptedException e) {
                return null;
            }
        }
        return closed ? null : queue.peekFirst();
    }

    /** Removes {@code done} unless it was dropped meanwhile for room. */
    private synchronized void remove(Pending done) {
        if (queue.peekFirst() == done) {
            queue.pollFirst();
        }
    }

    /** Waits {@code pause} unless closing; false when closing. */
    private synchronized boolean pause(Duration pause) {
        long deadline = System.nanoTime() + pause.toNanos();
        try {
            for (long left = pause.toNanos(); !closed && left > 0; left = deadline - System.nanoTime()) {
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
        } catch (InterruptedException e) {
            return false;
        }
        return !closed;
    }

    @Override
    public void close() {
        int left;
        synchronized (this) {
            closed = true;
            left = queue.size();
            notifyAll();
        }
        if (left > 0) {
            log.warn("{} cancellation(s) not yet stored in Redis at shutdown; only this worker knew of them", left);
        }
        if (thread != null) {
            try {
                thread.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
