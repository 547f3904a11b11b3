package dev.parley.worker.ops;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A yes/no question that may be slow to answer (a Redis PING during an outage waits for its timeouts), asked on its
 * own thread every {@code interval}; {@link #last()} answers the latest result at once. /ready reads it, so a probe
 * never waits on Redis and never holds /health up behind it. False until the first answer.
 */
public final class CachedCheck implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CachedCheck.class);

    private final ScheduledExecutorService thread;
    private volatile boolean last;

    private CachedCheck(ScheduledExecutorService thread) {
        this.thread = thread;
    }

    /** Starts asking {@code check} now and then every {@code interval} after the previous answer. */
    public static CachedCheck start(BooleanSupplier check, Duration interval, String threadName) {
        ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread named = new Thread(r, threadName);
            named.setDaemon(true);
            return named;
        });
        CachedCheck cached = new CachedCheck(thread);
        thread.scheduleWithFixedDelay(() -> cached.ask(check), 0, interval.toMillis(), TimeUnit.MILLISECONDS);
        return cached;
    }

    private void ask(BooleanSupplier check) {
        try {
            last = check.getAsBoolean();
        } catch (RuntimeException e) {
            last = false; // a failing check must not end the schedule
            log.debug("Check failed: {}", e.toString());
        }
    }

    /** The latest answer. */
    public boolean last() {
        return last;
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
