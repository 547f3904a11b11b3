package dev.parley.client.batch;

import dev.parley.client.UnknownModelException;
import dev.parley.schemas.Prompt;
import dev.parley.schemas.Reply;
import java.io.BufferedReader;
import java.io.IOException;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * One pass of a {@link BatchJob} over its input: sends every line an earlier run did not answer, at most
 * {@code maxInFlight} at a time, writes each reply or failure as it arrives, and counts them for the summary.
 */
final class BatchRun {

    private final Function<BatchLine, Prompt> prompts;
    private final Function<Prompt, CompletableFuture<Reply>> sender;
    private final Set<String> done;
    private final BatchOutput out;
    private final BatchProgress progress;
    private final long total;
    private final int maxInFlight;
    private final Semaphore permits;
    private final Set<String> seenThisRun = new HashSet<>();
    private final AtomicLong ok = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong promptTokens = new AtomicLong();
    private final AtomicLong completionTokens = new AtomicLong();

    /**
     * @param prompts the prompt each line becomes
     * @param sender  sends a prompt; throws {@link IllegalArgumentException} or {@link UnknownModelException} for a
     *                prompt it refuses
     * @param done    custom_ids already in the output, skipped
     * @param total   lines this run will send or fail
     */
    BatchRun(Function<BatchLine, Prompt> prompts, Function<Prompt, CompletableFuture<Reply>> sender,
             Set<String> done, BatchOutput out, BatchProgress progress, long total, int maxInFlight) {
        this.prompts = prompts;
        this.sender = sender;
        this.done = done;
        this.out = out;
        this.progress = progress;
        this.total = total;
        this.maxInFlight = maxInFlight;
        this.permits = new Semaphore(maxInFlight);
    }

    /** Sends every line of the input and returns once each has been answered or has failed. */
    void sendAll(BufferedReader reader) throws IOException, InterruptedException {
        progress.update(0, total, 0, 0);
        long lineNumber = 0;
        for (String text; (text = reader.readLine()) != null; ) {
            lineNumber++;
            if (!text.isBlank()) {
                sendLine(text, lineNumber);
            }
        }
        permits.acquire(maxInFlight); // every request answered or failed
    }

    BatchSummary summary(long lines, Duration wallTime) {
        return new BatchSummary(lines, done.size(), ok.get(), failed.get(), promptTokens.get(), completionTokens.get(),
                wallTime);
    }

    private void sendLine(String text, long lineNumber) throws InterruptedException {
        BatchLine line;
        try {
            line = BatchLine.parse(text);
        } catch (BatchLine.InvalidLineException e) {
            // A line a resumed run already answered is not an error now, even if it no longer parses.
            if (e.customId() == null || !done.contains(e.customId())) {
                fail(e.customId(), null, lineNumber, "invalid_line", e.getMessage());
            }
            return;
        }
        if (done.contains(line.customId())) {
            return;
        }
        if (!seenThisRun.add(line.customId())) {
            fail(line.customId(), null, lineNumber, "duplicate_custom_id",
                    "custom_id '" + line.customId() + "' appears more than once in the input");
            return;
        }
        permits.acquire();
        send(line, lineNumber);
    }

    /** Sends one line, holding a permit that is released when its reply (or the refusal) is written. */
    private void send(BatchLine line, long lineNumber) {
        Prompt prompt = prompts.apply(line);
        CompletableFuture<Reply> reply;
        try {
            reply = sender.apply(prompt);
        } catch (IllegalArgumentException | UnknownModelException e) {
            permits.release();
            fail(line.customId(), prompt.requestId(), lineNumber,
                    e instanceof UnknownModelException ? "model_not_found" : "invalid_prompt", e.getMessage());
            return;
        }
        reply.whenComplete((answer, error) -> {
            try {
                record(line, prompt.requestId(), lineNumber, answer, error);
            } finally {
                permits.release();
            }
        });
    }

    private void record(BatchLine line, String requestId, long lineNumber, Reply answer, Throwable error) {
        if (error == null && answer.isOk()) {
            out.result(line, answer);
            ok.incrementAndGet();
            if (answer.usage() != null) {
                promptTokens.addAndGet(answer.usage().promptTokens());
                completionTokens.addAndGet(answer.usage().completionTokens());
            }
            reportProgress();
            return;
        }
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        String code = cause != null ? "no_reply"
                : answer.error() != null ? answer.error().code() : answer.status().wireName();
        String message = cause != null ? cause.getMessage()
                : answer.error() != null ? answer.error().message() : "status " + answer.status().wireName();
        fail(line.customId(), requestId, lineNumber, code, message);
    }

    private void fail(String customId, String requestId, long lineNumber, String code, String message) {
        out.error(customId, requestId, lineNumber, code, message);
        failed.incrementAndGet();
        reportProgress();
    }

    private void reportProgress() {
        progress.update(ok.get() + failed.get(), total, ok.get(), failed.get());
    }
}
