package dev.parley.examples;

import dev.parley.client.ParleyClient;
import dev.parley.client.SendOptions;
import dev.parley.schemas.Reply;

/** Prints a reply as it is generated. Run against {@code ./parley dev}. */
public final class StreamReply {

    private StreamReply() {
    }

    public static void main(String[] args) {
        String bootstrap = System.getenv().getOrDefault("PARLEY_BOOTSTRAP", "localhost:9092");
        try (ParleyClient client = ParleyClient.builder().bootstrapServers(bootstrap).build()) {
            // snippet:stream
            Reply reply = client.send("user-42", "Tell me a story.", SendOptions.NONE,
                    chunk -> System.out.print(chunk.delta())).join();     // chunks in order, then the reply
            System.out.println("\n" + reply.usage().completionTokens() + " tokens");
            // end-snippet
        }
    }
}
