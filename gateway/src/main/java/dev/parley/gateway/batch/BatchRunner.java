package dev.parley.gateway.batch;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds batches to run and runs them: every scan (and whenever a batch is created or cancelled) it looks at the
 * active batches and takes a lease on those no live gateway holds. A lease expires unless its holder renews it, so
 * a gateway that dies hands its batches to the others (or to itself, restarted) within one lease time; one that
 * stops cleanly hands them back at once.
 */
public final class BatchRunner implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(BatchRunner.class);

    private final BatchJob.Context ctx;
    private final Duration scanInterval;
    private final int maxBatches;
    private final ScheduledExecutorService scanner;
    private final ExecutorService jobs;
    private final Map<String, BatchJob> running = new ConcurrentHashMap<>();
    private volatile boolean closed;

    BatchRunner(BatchJob.Context ctx, Duration scanInterval, int maxBatches) {
        this.ctx = ctx;
        this.scanInterval = scanInterval;
        this.maxBatches = maxBatches;
        this.scanner = Executors.newSingleThreadScheduledExecutor(r -> named(r, "gateway-batch-scan"));
        AtomicInteger n = new AtomicInteger();
        this.jobs = Executors.newFixedThreadPool(maxBatches, r -> named(r, "gateway-batch-" + n.incrementAndGet()));
    }

    private static Thread named(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    void start() {
        scanner.scheduleWithFixedDelay(this::scan, 0, scanInterval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Scan now (a batch was created or cancelled). */
    void wake() {
        if (!closed) {
            scanner.execute(this::scan);
        }
    }

    private void scan() {
        try {
            for (String member : ctx.store().active()) {
                if (closed || running.size() >= maxBatches) {
                    return;
                }
                if (running.containsKey(member)) {
                    continue;
                }
                int slash = member.indexOf('/');
                String tenant = member.substring(0, slash);
                String id = member.substring(slash + 1);
                if (ctx.store().acquireLease(tenant, id, ctx.owner(), ctx.leaseMillis())) {
                    BatchJob job = new BatchJob(ctx, tenant, id);
                    running.put(member, job);
                    jobs.execute(() -> run(member, tenant, id, job));
                }
            }
        } catch (RuntimeException e) {
            // Redis away: the next scan (one interval later) tries again.
            log.warn("batch scan failed: {}", e.getMessage());
        }
    }

    private void run(String member, String tenant, String id, BatchJob job) {
        boolean failed = false;
        try {
            log.info("gateway {} runs batch {}", ctx.owner(), id);
            job.run();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            failed = true;
            failedRun(tenant, id, e);
        } finally {
            running.remove(member);
            if (!failed) {
                // A failed run keeps its lease until it expires: the batch is taken up again one lease time later.
                try {
                    ctx.store().releaseLease(tenant, id, ctx.owner());
                } catch (RuntimeException e) {
                    log.debug("lease of {} not released ({}); it expires", id, e.getMessage());
                }
            }
        }
    }

    /** Counts a failed run; the last one allowed marks the batch {@code failed} instead of trying it forever. */
    private void failedRun(String tenant, String id, RuntimeException e) {
        String reason = e.getClass().getSimpleName() + ": " + e.getMessage();
        try {
            long runs = ctx.store().countFailedRun(tenant, id);
            if (runs < ctx.settings().maxFailedRuns()) {
                log.warn("batch {} run {} of {} failed ({}); it is taken up again after its lease expires", id, runs,
                        ctx.settings().maxFailedRuns(), reason);
                return;
            }
            ctx.store().fail(tenant, id, "batch_failed", "the batch failed " + runs + " times; last: " + reason,
                    ctx.clock().instant().getEpochSecond());
            log.warn("batch {} marked failed after {} failed runs; last: {}", id, runs, reason);
        } catch (RuntimeException redis) {
            log.warn("batch {} run failed ({}) and could not be counted ({}); it is taken up again", id, reason,
                    redis.getMessage());
        }
    }

    /** Batches this gateway runs now. */
    public int running() {
        return running.size();
    }

    /** Stops sending and hands the leases back so another gateway (or this one restarted) goes on at once. */
    @Override
    public void close() {
        closed = true;
        scanner.shutdownNow();
        running.values().forEach(BatchJob::stop);
        jobs.shutdown();
        try {
            if (!jobs.awaitTermination(10, TimeUnit.SECONDS)) {
                jobs.shutdownNow();
            }
        } catch (InterruptedException e) {
            jobs.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
