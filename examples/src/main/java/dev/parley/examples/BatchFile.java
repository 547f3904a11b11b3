package dev.parley.examples;

import dev.parley.client.ParleyClient;
import dev.parley.client.batch.BatchJob;
import dev.parley.client.batch.BatchSummary;
import java.nio.file.Path;

/** Pushes a JSONL file of prompts through Parley, resumably. Run against {@code ./parley dev}. */
public final class BatchFile {

    private BatchFile() {
    }

    public static void main(String[] args) throws Exception {
        String bootstrap = System.getenv().getOrDefault("PARLEY_BOOTSTRAP", "localhost:9092");
        try (ParleyClient client = ParleyClient.builder().bootstrapServers(bootstrap).build()) {
            // snippet:batch
            BatchSummary summary = BatchJob.builder(client)
                    .input(Path.of("questions.jsonl"))          // {"custom_id": ..., "body": {"messages": [...]}}
                    .output(Path.of("answers.jsonl"))           // a rerun skips custom_ids already here
                    .maxInFlight(32)
                    .build()
                    .run();
            System.out.println(summary.describe());
            // end-snippet
        }
    }
}
