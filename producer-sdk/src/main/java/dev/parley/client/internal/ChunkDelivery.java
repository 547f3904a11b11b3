package dev.parley.client.internal;

import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The client's threads for streamed requests: chunk callbacks, {@code ReplyStream} subscribers and the completion of
 * streamed futures run here, off the reply thread, so that a slow subscriber delays its own stream only. A fixed
 * number of threads: a subscriber that blocks holds one of them until it returns.
 */
public final class ChunkDelivery implements AutoCloseable {

    /** Delivers on the calling thread: for tests of logic that want no threads. */
    public static final ChunkDelivery INLINE = new ChunkDelivery(null);

    private final ExecutorService pool;

    private ChunkDelivery(ExecutorService pool) {
        this.pool = pool;
    }

    /** {@code threads} daemon threads named {@code namePrefix-N}. */
    public static ChunkDelivery start(int threads, String namePrefix) {
        if (threads < 1) {
            throw new IllegalArgumentException("delivery threads must be at least 1, got " + threads);
        }
        AtomicInteger count = new AtomicInteger();
        ThreadFactory factory = r -> {
            Thread thread = new Thread(r, namePrefix + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
        // The queue holds at most one task per lane with work, so it is bounded by the streams in flight.
        return new ChunkDelivery(new ThreadPoolExecutor(threads, threads, 0, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), factory));
    }

    /** A new lane: its tasks run in order, one at a time. */
    public Executor newLane() {
        return pool == null ? Runnable::run : new SerialLane(pool);
    }

    /** The shared pool itself, for work that keeps its own order (a publisher's per-subscriber delivery). */
    public Executor pool() {
        return pool == null ? Runnable::run : pool;
    }

    /** Lets queued deliveries finish and stops the threads afterwards; does not wait. */
    @Override
    public void close() {
        if (pool != null) {
            pool.shutdown();
        }
    }
}
