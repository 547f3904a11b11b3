package dev.parley.client.batch;

import dev.parley.client.ParleyClient;
import dev.parley.schemas.Priority;
import dev.parley.schemas.Prompt;
import dev.parley.schemas.codec.WireJson;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Set;

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
        long todo = countNotDone(input, done);
        BatchRun run;
        try (BatchOutput out = BatchOutput.open(format, output, errors);
             BufferedReader reader = Files.newBufferedReader(input, StandardCharsets.UTF_8)) {
            run = new BatchRun(this::prompt, prompt -> client.send(prompt, requestTimeout), done, out, progress, todo,
                    maxInFlight);
            run.sendAll(reader);
        }
        return run.summary(lines, Duration.ofNanos(System.nanoTime() - started));
    }

    /** The non-blank lines of the input whose custom_id is not in {@code done}: the total the progress counts to. */
    private static long countNotDone(Path input, Set<String> done) throws IOException {
        long todo = 0;
        try (BufferedReader reader = Files.newBufferedReader(input, StandardCharsets.UTF_8)) {
            for (String line; (line = reader.readLine()) != null; ) {
                if (!line.isBlank() && !done.contains(customIdOf(line))) {
                    todo++;
                }
            }
        }
        return todo;
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
