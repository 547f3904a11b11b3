package dev.parley.examples;

import dev.parley.client.ParleyClient;
import dev.parley.client.SendOptions;
import dev.parley.schemas.GenerationParams;
import dev.parley.schemas.Reply;
import java.time.Duration;

/** A conversation of two turns, waiting for each reply. Run against {@code ./parley dev}. */
public final class SendAndAwait {

    private SendAndAwait() {
    }

    public static void main(String[] args) {
        String bootstrap = System.getenv().getOrDefault("PARLEY_BOOTSTRAP", "localhost:9092");
        // snippet:send
        try (ParleyClient client = ParleyClient.builder().bootstrapServers(bootstrap).build()) {
            Reply reply = client.send("user-42", "What is Kafka?").join();
            System.out.println(reply.content());

            Reply next = client.send("user-42", "Shorter, please.", SendOptions.builder()
                    .requestId("order-7731-q2")               // a retry with the same id is answered once
                    .params(GenerationParams.DEFAULTS.withMaxTokens(64).withTemperature(0.2))
                    .metadata("trace_id", "abc123")           // echoed back in the reply
                    .timeout(Duration.ofSeconds(30))
                    .build()).join();
            System.out.println(next.turn() + ": " + next.content());
        }
        // end-snippet
    }
}
