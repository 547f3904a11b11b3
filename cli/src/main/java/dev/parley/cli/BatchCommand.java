package dev.parley.cli;

import dev.parley.client.ParleyClient;
import dev.parley.client.batch.BatchJob;
import dev.parley.client.batch.BatchOutputFormat;
import dev.parley.client.batch.BatchSummary;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code parley batch IN.jsonl}: a file of prompts through a running Parley, resumable. */
@Command(name = "batch", mixinStandardHelpOptions = true,
        description = "Send every line of a JSONL file (OpenAI Batch API style: custom_id, messages or body.messages, "
                + "max_tokens...) through Parley with a bounded number in flight, writing each result as it arrives. "
                + "Rerun to resume: custom_ids already in --out are skipped.")
public final class BatchCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "IN.jsonl", description = "Input lines")
    Path input;

    @Option(names = "--out", description = "Results (default IN.results.jsonl)")
    Path out;

    @Option(names = "--errors", description = "Failures (default IN.errors.jsonl)")
    Path errors;

    @Option(names = "--max-in-flight", defaultValue = "32", description = "Requests at once (default ${DEFAULT-VALUE})")
    int maxInFlight;

    @Option(names = "--timeout", defaultValue = "PT10M", description = "Wait per request (default ${DEFAULT-VALUE})")
    Duration timeout;

    @Option(names = "--batch-id", description = "Scopes request ids (default: the input's absolute path)")
    String batchId;

    @Option(names = "--ignore-model", description = "Send every line to the prompts topic whatever its model says "
            + "(by default a line's model picks the model that answers, and an unknown one is an error line)")
    boolean ignoreModel;

    @Option(names = "--format", defaultValue = "openai", description = "Output lines: openai (the OpenAI Batch API's "
            + "shape, Parley's fields under 'parley') or parley (default ${DEFAULT-VALUE})")
    String format;

    @Mixin
    ClientOptions client = new ClientOptions();

    private BatchOutputFormat outputFormat() {
        return switch (format) {
            case "openai" -> BatchOutputFormat.OPENAI;
            case "parley" -> BatchOutputFormat.PARLEY;
            default -> throw new IllegalArgumentException("--format must be openai or parley, got '" + format + "'");
        };
    }

    @Override
    public Integer call() throws Exception {
        try (ParleyClient parley = client.client(timeout)) {
            BatchJob job = BatchJob.builder(parley).input(input).output(out).errors(errors).maxInFlight(maxInFlight)
                    .requestTimeout(timeout).batchId(batchId).outputFormat(outputFormat()).routeByModel(!ignoreModel)
                    .progress(new ProgressBar(System.err, System.console() != null)).build();
            BatchSummary summary = job.run();
            System.out.println(summary.describe());
            System.out.println("results: " + job.output() + "  errors: " + job.errors());
            return summary.failed() == 0 ? 0 : 1;
        }
    }
}
