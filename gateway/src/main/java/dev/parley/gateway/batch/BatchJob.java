package dev.parley.gateway.batch;

import dev.parley.client.ParleyClient;
import dev.parley.client.ParleyRateLimitedException;
import dev.parley.gateway.conversation.ConversationIds;
import dev.parley.gateway.chat.ReplyOutcome;
import dev.parley.gateway.openai.OpenAiException;
import dev.parley.gateway.ops.GatewayMetrics;
import dev.parley.client.UnknownModelException;
import dev.parley.gateway.models.ModelCatalog;
import dev.parley.schemas.Priority;
import dev.parley.schemas.Prompt;
import dev.parley.schemas.Reply;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one batch while this gateway holds its lease: sends every line not answered yet (at most {@code inFlight} at
 * once), records each result as it arrives, then writes the output and error files and completes the batch.
 *
 * <p>Request ids are {@code <batch>-<line>}, so a line resent after a restart is answered once by the workers'
 * idempotency: a gateway that takes over a batch resends what was in flight and gets the stored replies back.
 * Cancelling stops sending; lines in flight finish and are kept, and the files hold what was answered.
 */
final class BatchJob {

    private static final Logger log = LoggerFactory.getLogger(BatchJob.class);
    private static final Duration RENEW_EVERY = Duration.ofSeconds(1);

    /** What every job of one gateway shares. */
    record Context(BatchStore store, FilesRoutes files, Ids ids, BatchLines lines, ParleyClient client,
                   GatewayMetrics metrics, Clock clock, BatchSettings settings, ScheduledExecutorService replies) {
        long leaseMillis() {
            return settings.lease().toMillis();
        }

        int inFlight() {
            return settings.inFlight();
        }

        String owner() {
            return settings.owner();
        }
    }

    private final Context ctx;
    private final String tenant;
    private final String id;
    private volatile boolean stopped;
    private volatile boolean leaseLost;

    BatchJob(Context ctx, String tenant, String id) {
        this.ctx = ctx;
        this.tenant = tenant;
        this.id = id;
    }

    /** Stops sending; results of lines in flight are no longer recorded (the next owner resends them). */
    void stop() {
        stopped = true;
    }

    void run() throws InterruptedException {
        Map<String, String> fields = ctx.store().batch(tenant, id);
        String status = fields.getOrDefault("status", "");
        if (List.of("completed", "failed", "cancelled", "expired").contains(status) || fields.isEmpty()) {
            ctx.store().deactivate(tenant, id);
            return;
        }
        byte[] content = ctx.store().fileContent(tenant, fields.get("input_file_id"));
        List<BatchLines.Line> lines = parse(content == null ? "" : new String(content, StandardCharsets.UTF_8));
        ctx.store().setBatchFields(tenant, id, Map.of("total", String.valueOf(lines.size())));
        ctx.store().transition(tenant, id, "in_progress", "in_progress_at", now(), "validating");
        Set<String> done = new HashSet<>(ctx.store().results(tenant, id, false).keySet());
        done.addAll(ctx.store().results(tenant, id, true).keySet());

        Semaphore permits = new Semaphore(ctx.inFlight());
        long lastRenew = System.nanoTime();
        for (BatchLines.Line line : lines) {
            if (stopped || cancelling()) {
                break;
            }
            if (done.contains(line.key())) {
                continue;
            }
            String requestId = id + "-" + line.index();
            if (line.problem() != null) {
                record(line, true, BatchLines.failed(line, requestId, line.problem()));
                continue;
            }
            while (!permits.tryAcquire(RENEW_EVERY.toMillis(), TimeUnit.MILLISECONDS)) {
                renew();
                if (stopped) {
                    break;
                }
            }
            if (stopped) {
                break;
            }
            if (System.nanoTime() - lastRenew > RENEW_EVERY.toNanos()) {
                renew();
                lastRenew = System.nanoTime();
            }
            send(line, requestId, permits);
        }
        // Wait for what is in flight: its results are kept, also when cancelling.
        while (!permits.tryAcquire(ctx.inFlight(), RENEW_EVERY.toMillis(), TimeUnit.MILLISECONDS)) {
            renew();
            if (stopped) {
                return;
            }
        }
        if (stopped) {
            return;
        }
        finish(lines);
    }

    private void send(BatchLines.Line line, String requestId, Semaphore permits) {
        attempt(line, requestId, permits, 0);
    }

    /**
     * Sends a line and records what comes back; the permit is held until the line has its result. The result is
     * recorded on the batch executor, never on the SDK's reply thread, which every tenant's replies share. A line
     * refused for its tenant's token quota keeps its permit and is sent again (same request id) after the
     * worker's retry-after, at most {@code rateLimitRetries} times: the tenant's batch slows to its quota.
     */
    private void attempt(BatchLines.Line line, String requestId, Semaphore permits, int retries) {
        if (stopped || retries > 0 && cancellingQuietly()) {
            permits.release();
            return;
        }
        try {
            ctx.client().send(prompt(line, requestId), ctx.settings().requestTimeout()).whenCompleteAsync((reply, error) -> {
                boolean retrying = false;
                try {
                    if (stopped) {
                        return;
                    }
                    Object outcome = error != null ? error : reply;
                    if (ReplyOutcome.rateLimited(outcome) && retries < ctx.settings().rateLimitRetries()
                            && !cancelling()) {
                        retrying = retryLater(line, requestId, permits, retries, outcome);
                        if (retrying) {
                            return;
                        }
                    }
                    recordReply(line, requestId, reply, error);
                } catch (RuntimeException e) {
                    log.warn("batch {}: line {} not recorded: {}", id, line.index() + 1, e.getMessage());
                } finally {
                    if (!retrying) {
                        permits.release();
                    }
                }
            }, ctx.replies());
        } catch (UnknownModelException gone) {
            permits.release();
            record(line, true, BatchLines.failed(line, requestId,
                    ModelCatalog.notFound(gone.model(), "model", gone.servedModels())));
        } catch (RuntimeException refused) {
            // The SDK refuses what the wire schema does not take; whatever it throws is this line's error only.
            permits.release();
            record(line, true, BatchLines.failed(line, requestId, OpenAiException.badRequest(refused.getMessage())));
        }
    }

    private Prompt prompt(BatchLines.Line line, String requestId) {
        var request = line.request();
        Prompt.Builder prompt = Prompt.builder().requestId(requestId)
                .conversationId(ConversationIds.batchLine(tenant, id, line.index()))
                .messages(request.messages()).system(request.system()).params(request.params())
                .metadata(request.metadata().isEmpty() ? null : request.metadata())
                .model(ctx.lines().promptModel(request.model()))
                .tenant(tenant) // quotas apply to batch work as to chat
                .priority(Priority.BATCH); // behind chat traffic
        return request.applyTo(prompt).build();
    }

    private boolean retryLater(BatchLines.Line line, String requestId, Semaphore permits, int retries, Object outcome) {
        Duration wait = retryWait(outcome, ctx.settings().maxRetryWait());
        try {
            ctx.replies().schedule(() -> attempt(line, requestId, permits, retries + 1), wait.toMillis(),
                    TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closing) {
            return false;
        }
        ctx.metrics().batchLine("rate_limited_retry");
        log.debug("batch {}: line {} over its tenant's quota, sent again in {}", id, line.index() + 1, wait);
        return true;
    }

    /** The worker's retry-after, at least a second, at most {@code max}. */
    static Duration retryWait(Object outcome, Duration max) {
        Throwable cause = outcome instanceof Throwable t ? t : null;
        while (cause != null && cause.getCause() != null && !(cause instanceof ParleyRateLimitedException)) {
            cause = cause.getCause();
        }
        long millis = 0;
        if (cause instanceof ParleyRateLimitedException limited) {
            millis = limited.retryAfter().toMillis();
        } else if (outcome instanceof Reply reply && reply.error() != null && reply.error().retryAfterMs() != null) {
            millis = reply.error().retryAfterMs();
        }
        return Duration.ofMillis(Math.min(max.toMillis(), Math.max(1000, millis)));
    }

    private void recordReply(BatchLines.Line line, String requestId, Reply reply, Throwable error) {
        try {
            if (error != null) {
                record(line, true, BatchLines.failed(line, requestId, ReplyOutcome.failure(error)));
                return;
            }
            try {
                Reply ok = ReplyOutcome.check(reply);
                record(line, false, BatchLines.output(line, ok, line.request().model(), now()));
            } catch (OpenAiException e) {
                record(line, true, BatchLines.failed(line, requestId, e));
            }
        } catch (RuntimeException e) {
            // Redis away: the line stays unrecorded and is sent again (and answered once) by the next run.
            log.warn("batch {}: could not record line {}: {}", id, line.index() + 1, e.getMessage());
        }
    }

    private void record(BatchLines.Line line, boolean error, String json) {
        if (ctx.store().putResult(tenant, id, error, line.key(), json)) {
            ctx.metrics().batchLine(error ? "failed" : "completed");
        }
    }

    private void finish(List<BatchLines.Line> lines) {
        boolean cancelled = cancelling();
        if (!cancelled) {
            ctx.store().transition(tenant, id, "finalizing", "finalizing_at", now(), "in_progress");
        }
        Map<String, String> outputs = ctx.store().results(tenant, id, false);
        Map<String, String> errors = ctx.store().results(tenant, id, true);
        String outputFile = writeFile(lines, outputs, "output");
        String errorFile = writeFile(lines, errors, "error");
        Map<String, String> files = new java.util.HashMap<>();
        if (outputFile != null) {
            files.put("output_file_id", outputFile);
        }
        if (errorFile != null) {
            files.put("error_file_id", errorFile);
        }
        if (!files.isEmpty()) {
            ctx.store().setBatchFields(tenant, id, files);
        }
        if (cancelled) {
            ctx.store().transition(tenant, id, "cancelled", "cancelled_at", now(), "cancelling");
        } else {
            ctx.store().transition(tenant, id, "completed", "completed_at", now(), "finalizing");
        }
        ctx.store().deactivate(tenant, id);
        log.info("batch {} {}: {} answered, {} failed", id, cancelled ? "cancelled" : "completed", outputs.size(),
                errors.size());
    }

    /** The results in input order, as a file; {@code null} when there are none. */
    private String writeFile(List<BatchLines.Line> lines, Map<String, String> results, String kind) {
        if (results.isEmpty()) {
            return null;
        }
        StringBuilder text = new StringBuilder();
        for (BatchLines.Line line : lines) {
            String json = results.get(line.key());
            if (json != null) {
                text.append(json).append('\n');
            }
        }
        String fileId = ctx.ids().next("file-");
        ctx.files().save(tenant, fileId, id + "_" + kind + ".jsonl", "batch_output",
                text.toString().getBytes(StandardCharsets.UTF_8));
        return fileId;
    }

    private List<BatchLines.Line> parse(String content) {
        List<BatchLines.Line> lines = new ArrayList<>();
        int index = 0;
        for (String text : content.split("\n", -1)) {
            if (!text.isBlank()) {
                lines.add(ctx.lines().parse(index, text.strip()));
            }
            index++;
        }
        return lines;
    }

    private boolean cancellingQuietly() {
        try {
            return cancelling();
        } catch (RuntimeException e) {
            return false;
        }
    }

    private boolean cancelling() {
        return "cancelling".equals(ctx.store().batch(tenant, id).get("status"));
    }

    private void renew() {
        if (!ctx.store().renewLease(tenant, id, ctx.owner(), ctx.leaseMillis())) {
            log.warn("batch {}: lease lost, another gateway goes on with it", id);
            leaseLost = true;
            stopped = true;
        }
    }

    boolean leaseLost() {
        return leaseLost;
    }

    private long now() {
        return ctx.clock().instant().getEpochSecond();
    }
}
