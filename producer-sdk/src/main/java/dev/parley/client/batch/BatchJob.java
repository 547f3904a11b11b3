package dev.parley.client.batch;

import dev.parley.client.ParleyClient;
import dev.parley.client.UnknownModelException;
import dev.parley.schemas.Priority;
import dev.parley.schemas.Prompt;
import dev.parley.schemas.Reply;
import dev.parley.schemas.codec.WireJson;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import tools.jackson.databind.node.ObjectNode;

/**
 * Pushes a JSONL file of prompts through Parley asynchronously: at most {@code maxInFlight} requests at a time, each
 * result written (and flushed) to the output as soon as it arrives, errors to a separate file. Resumable: a rerun
 * skips the custom_ids already in the output, and re-sends the others with the same request ids, so requests that
 * were in flight when a run was killed are answered from the stored reply instead of twice.
 *
 * <p>Output lines: {@code {"custom_id", "conversation_id", "request_id", "response": <reply>}}. Error lines:
 * {@code {"custom_id", "line", "error": {"code", "message"}}}. With {@link Builder#outputFormat}
 * {@link BatchOutputFormat#OPENAI}, the OpenAI Batch API's lines instead.
 *
 * <p>Its prompts go in the {@link dev.parley.schemas.Priority#BATCH batch} lane: workers admit interactive turns
 * before them, so a large batch does not slow down the services that share the pool.
 */
public final class BatchJob {

    public static final int DEFAULT_MAX_IN_FLIGHT = 32;
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofMinutes(10);

    private final ParleyClient client;
    private final Path input;
    private final Path output;
    private final Path errors;
    private final int maxInFlight;
    private final Duration requestTimeout;
    private final String batchId;
    private final BatchProgress progress;
    private final BatchOutputFormat format;
    private final boolean routeByModel;

    private BatchJob(Builder b) {
        this.client = b.client;
        this.input = Objects.requireNonNull(b.input, "input");
        this.output = b.output != null ? b.output : sibling(input, ".results.jsonl");
        this.errors = b.errors != null ? b.errors : sibling(input, ".errors.jsonl");
        this.maxInFlight = b.maxInFlight;
        this.requestTimeout = b.requestTimeout;
        this.batchId = b.batchId != null ? b.batchId : defaultBatchId(input);
        this.progress = b.progress;
        this.format = b.format;
        this.routeByModel = b.routeByModel;
    }

    public static Builder builder(ParleyClient client) {
        return new Builder(Objects.requireNonNull(client, "client"));
    }

    public Path output() {
        return output;
    }

    public Path errors() {
        return errors;
    }

    /** Runs the batch to its end and returns what happened. */
    public BatchSummary run() throws IOException, InterruptedException {
        long started = System.nanoTime();
        Set<String> done = completedCustomIds(output);
        long lines = countLines(input);
        long todo = 0;
        try (BufferedReader reader = Files.newBufferedReader(input, StandardCharsets.UTF_8)) {
            for (String line; (line = reader.readLine()) != null; ) {
                if (!line.isBlank() && !done.contains(customIdOf(line))) {
                    todo++;
                }
            }
        }
        Semaphore permits = new Semaphore(maxInFlight);
        AtomicLong ok = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        AtomicLong promptTokens = new AtomicLong();
        AtomicLong completionTokens = new AtomicLong();
        long total = todo;
        try (Writer results = Files.newBufferedWriter(output, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
             Writer failures = Files.newBufferedWriter(errors, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                     StandardOpenOption.APPEND);
             BufferedReader reader = Files.newBufferedReader(input, StandardCharsets.UTF_8)) {
            Runnable report = () -> progress.update(ok.get() + failed.get(), total, ok.get(), failed.get());
            progress.update(0, total, 0, 0);
            long lineNumber = 0;
            Set<String> seenThisRun = new HashSet<>();
            for (String text; (text = reader.readLine()) != null; ) {
                lineNumber++;
                if (text.isBlank()) {
                    continue;
                }
                BatchLine line;
                try {
                    line = BatchLine.parse(text);
                } catch (BatchLine.InvalidLineException e) {
                    if (e.customId() == null || !done.contains(e.customId())) {
                        writeLine(failures, errorLine(e.customId(), null, lineNumber, "invalid_line", e.getMessage()));
                        failed.incrementAndGet();
                        report.run();
                    }
                    continue;
                }
                if (done.contains(line.customId())) {
                    continue;
                }
                if (!seenThisRun.add(line.customId())) {
                    writeLine(failures, errorLine(line.customId(), null, lineNumber, "duplicate_custom_id",
                            "custom_id '" + line.customId() + "' appears more than once in the input"));
                    failed.incrementAndGet();
                    report.run();
                    continue;
                }
                permits.acquire();
                long number = lineNumber;
                CompletableFuture<Reply> reply;
                Prompt prompt = prompt(line);
                try {
                    reply = client.send(prompt, requestTimeout);
                } catch (IllegalArgumentException | UnknownModelException e) {
                    permits.release();
                    writeLine(failures, errorLine(line.customId(), prompt.requestId(), number,
                            e instanceof UnknownModelException ? "model_not_found" : "invalid_prompt", e.getMessage()));
                    failed.incrementAndGet();
                    report.run();
                    continue;
                }
                reply.whenComplete((answer, error) -> {
                    try {
                        if (error == null && answer.isOk()) {
                            writeLine(results, resultLine(line, answer));
                            ok.incrementAndGet();
                            if (answer.usage() != null) {
                                promptTokens.addAndGet(answer.usage().promptTokens());
                                completionTokens.addAndGet(answer.usage().completionTokens());
                            }
                        } else {
                            Throwable cause = error instanceof CompletionException && error.getCause() != null
                                    ? error.getCause() : error;
                            String code = cause != null ? "no_reply" : answer.error() != null ? answer.error().code()
                                    : answer.status().wireName();
                            String message = cause != null ? cause.getMessage()
                                    : answer.error() != null ? answer.error().message() : "status " + answer.status().wireName();
                            writeLine(failures, errorLine(line.customId(), prompt.requestId(), number, code, message));
                            failed.incrementAndGet();
                        }
                        report.run();
                    } finally {
                        permits.release();
                    }
                });
            }
            permits.acquire(maxInFlight); // every request answered or failed
        }
        return new BatchSummary(lines, done.size(), ok.get(), failed.get(), promptTokens.get(), completionTokens.get(),
                Duration.ofNanos(System.nanoTime() - started));
    }

    private Prompt prompt(BatchLine line) {
        String conversation = line.conversationId() != null ? line.conversationId()
                : "batch-" + hash(batchId + "/" + line.customId()).substring(0, 32);
        String requestId = "batch-" + hash(batchId + "/" + line.customId() + "/" + conversation).substring(0, 40);
        // A batch job is bulk work: its turns go in the batch lane, behind interactive traffic on the same workers.
        return Prompt.builder().requestId(requestId).conversationId(conversation).messages(line.messages())
                .system(line.system()).params(line.params()).metadata(line.metadata())
                .model(routeByModel ? line.model() : null).priority(Priority.BATCH)
                .build();
    }

    private String resultLine(BatchLine line, Reply reply) {
        if (format == BatchOutputFormat.OPENAI) {
            return OpenAiLines.result(line, reply, System.currentTimeMillis() / 1000);
        }
        ObjectNode json = WireJson.mapper().createObjectNode();
        json.put("custom_id", line.customId());
        json.put("conversation_id", reply.conversationId());
        json.put("request_id", reply.requestId());
        json.set("response", WireJson.mapper().valueToTree(reply));
        return WireJson.toString(json);
    }

    private String errorLine(String customId, String requestId, long lineNumber, String code, String message) {
        if (format == BatchOutputFormat.OPENAI) {
            return OpenAiLines.error(customId, requestId, lineNumber, code, message);
        }
        ObjectNode json = WireJson.mapper().createObjectNode();
        if (customId != null) {
            json.put("custom_id", customId);
        }
        json.put("line", lineNumber);
        json.putObject("error").put("code", code).put("message", message == null ? "" : message);
        return WireJson.toString(json);
    }

    private static void writeLine(Writer writer, String line) {
        synchronized (writer) {
            try {
                writer.write(line);
                writer.write('\n');
                writer.flush(); // each result reaches the file as it completes: a kill loses nothing answered
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** The custom_ids in an existing output, after cutting off a line a killed run left half-written. */
    static Set<String> completedCustomIds(Path output) throws IOException {
        Set<String> ids = new HashSet<>();
        if (!Files.exists(output)) {
            return ids;
        }
        truncatePartialLastLine(output);
        try (BufferedReader reader = Files.newBufferedReader(output, StandardCharsets.UTF_8)) {
            for (String line; (line = reader.readLine()) != null; ) {
                String id = customIdOf(line);
                if (id != null) {
                    ids.add(id);
                }
            }
        }
        return ids;
    }

    private static void truncatePartialLastLine(Path file) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            long length = raf.length();
            long end = length;
            while (end > 0) {
                raf.seek(end - 1);
                if (raf.read() == '\n') {
                    break;
                }
                end--;
            }
            if (end != length) {
                raf.setLength(end);
            }
        }
    }

    private static String customIdOf(String line) {
        try {
            var json = WireJson.mapper().readTree(line);
            return json != null && json.has("custom_id") ? json.get("custom_id").asString() : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static long countLines(Path file) throws IOException {
        try (var lines = Files.lines(file, StandardCharsets.UTF_8)) {
            return lines.filter(l -> !l.isBlank()).count();
        }
    }

    private static Path sibling(Path input, String suffix) {
        String name = input.getFileName().toString().replaceFirst("\\.jsonl?$", "");
        return input.resolveSibling(name + suffix);
    }

    private static String defaultBatchId(Path input) {
        return input.toAbsolutePath().normalize().toString();
    }

    private static String hash(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Configures a {@link BatchJob}. */
    public static final class Builder {
        private final ParleyClient client;
        private Path input;
        private Path output;
        private Path errors;
        private int maxInFlight = DEFAULT_MAX_IN_FLIGHT;
        private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
        private String batchId;
        private BatchProgress progress = BatchProgress.NONE;
        private BatchOutputFormat format = BatchOutputFormat.PARLEY;
        private boolean routeByModel = true;

        private Builder(ParleyClient client) {
            this.client = client;
        }

        /** The JSONL input (see {@link BatchLine}). */
        public Builder input(Path input) {
            this.input = input;
            return this;
        }

        /** Where results go (default: next to the input, {@code <name>.results.jsonl}); appended to. */
        public Builder output(Path output) {
            this.output = output;
            return this;
        }

        /** Where failures go (default {@code <name>.errors.jsonl}); appended to. */
        public Builder errors(Path errors) {
            this.errors = errors;
            return this;
        }

        /** Requests in flight at once (default {@value #DEFAULT_MAX_IN_FLIGHT}). */
        public Builder maxInFlight(int maxInFlight) {
            if (maxInFlight < 1) {
                throw new IllegalArgumentException("maxInFlight must be >= 1, got " + maxInFlight);
            }
            this.maxInFlight = maxInFlight;
            return this;
        }

        /** How long each request may wait for its reply (default 10 minutes). */
        public Builder requestTimeout(Duration timeout) {
            if (timeout == null || timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("requestTimeout must be positive, got " + timeout);
            }
            this.requestTimeout = timeout;
            return this;
        }

        /**
         * Scopes the request ids (default: the input file's absolute path). Runs with the same id resume each other;
         * a different id makes every line a new request.
         */
        public Builder batchId(String batchId) {
            this.batchId = batchId;
            return this;
        }

        public Builder progress(BatchProgress progress) {
            this.progress = Objects.requireNonNull(progress, "progress");
            return this;
        }

        /** The shape of output and error lines (default {@link BatchOutputFormat#PARLEY}). */
        public Builder outputFormat(BatchOutputFormat format) {
            this.format = Objects.requireNonNull(format, "format");
            return this;
        }

        /**
         * Whether a line's {@code model} picks the model that answers (the default; a model nobody serves makes the
         * line an error, {@code model_not_found}). {@code false} sends every line to the client's prompts topic
         * whatever its model says, as before a pool could serve several models: for files written for another
         * service whose model names mean nothing here.
         */
        public Builder routeByModel(boolean route) {
            this.routeByModel = route;
            return this;
        }

        public BatchJob build() {
            return new BatchJob(this);
        }
    }
}
