package dev.parley.worker.health;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the worker's parts. A part whose thread died, or that had work and showed no progress for the stall
 * timeout, makes the worker unhealthy: /health answers 503 naming it and /ready is false. Once the worker has been
 * unhealthy without a break for the exit grace, the fatal listener runs once: in a worker process it exits non-zero,
 * so that its supervisor (systemd, Kubernetes) starts a fresh one. A stall that clears within the grace (a long
 * broker outage ending, say) is forgiven.
 */
public final class HealthMonitor implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(HealthMonitor.class);
    private static final Duration CHECK_EVERY = Duration.ofSeconds(1);

    private final List<WatchedPart> parts = new CopyOnWriteArrayList<>();
    private final Duration stallTimeout;
    private final Duration exitGrace;
    private final LongSupplier nanoTime;
    private final List<Consumer<Health>> fatalListeners = new CopyOnWriteArrayList<>();
    private ScheduledExecutorService timer;
    private long unhealthySince = -1;
    private boolean fatalReported;
    private String lastProblems = "";

    public HealthMonitor(Duration stallTimeout, Duration exitGrace, LongSupplier nanoTime) {
        if (stallTimeout.isNegative() || stallTimeout.isZero()) {
            throw new IllegalArgumentException("stall timeout must be positive, got " + stallTimeout);
        }
        this.stallTimeout = stallTimeout;
        this.exitGrace = exitGrace;
        this.nanoTime = nanoTime;
    }

    /** Watches one more part. */
    public HealthMonitor watch(WatchedPart part) {
        parts.add(part);
        return this;
    }

    /** Runs once the worker has been unhealthy for the whole exit grace. */
    public void onFatal(Consumer<Health> listener) {
        fatalListeners.add(listener);
    }

    /** The health now. */
    public Health check() {
        long now = nanoTime.getAsLong();
        List<Health.PartHealth> states = new ArrayList<>();
        for (WatchedPart part : parts) {
            states.add(state(part, now));
        }
        return new Health(states);
    }

    private Health.PartHealth state(WatchedPart part, long now) {
        try {
            if (!part.alive().getAsBoolean()) {
                return new Health.PartHealth(part.name(), false, "its thread has stopped");
            }
            long quiet = now - part.lastProgress().getAsLong();
            if (part.busy().getAsBoolean() && quiet > stallTimeout.toNanos()) {
                String detail = part.detail().get();
                return new Health.PartHealth(part.name(), false, "no progress for "
                        + Duration.ofNanos(quiet).toSeconds() + " s while it has work (stall-timeout " + stallTimeout
                        .toSeconds() + " s)" + (detail == null || detail.isEmpty() ? "" : ": " + detail));
            }
            return new Health.PartHealth(part.name(), true, null);
        } catch (RuntimeException e) {
            return new Health.PartHealth(part.name(), false, "its state cannot be read: " + e.getMessage());
        }
    }

    /** Checks every second on a thread of its own, until closed. */
    public synchronized HealthMonitor start() {
        if (timer == null) {
            timer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread thread = new Thread(r, "parley-health");
                thread.setDaemon(true);
                return thread;
            });
            timer.scheduleWithFixedDelay(this::tick, CHECK_EVERY.toMillis(), CHECK_EVERY.toMillis(),
                    TimeUnit.MILLISECONDS);
        }
        return this;
    }

    /** One periodic check: logs changes, and reports a lasting problem once. */
    synchronized void tick() {
        Health health = check();
        long now = nanoTime.getAsLong();
        if (health.healthy()) {
            if (unhealthySince >= 0) {
                log.info("Worker healthy again");
            }
            unhealthySince = -1;
            lastProblems = "";
            return;
        }
        if (unhealthySince < 0) {
            unhealthySince = now;
        }
        if (!health.problems().equals(lastProblems)) {
            lastProblems = health.problems();
            log.error("Worker unhealthy: {}; exiting if this lasts {} s", lastProblems, exitGrace.toSeconds());
        }
        if (!fatalReported && now - unhealthySince >= exitGrace.toNanos()) {
            fatalReported = true;
            log.error("Worker unhealthy for {} s: {}", exitGrace.toSeconds(), lastProblems);
            for (Consumer<Health> listener : fatalListeners) {
                try {
                    listener.accept(health);
                } catch (RuntimeException e) {
                    log.error("A fatal-health listener failed", e);
                }
            }
        }
    }

    @Override
    public synchronized void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
    }
}
