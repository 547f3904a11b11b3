package dev.parley.client.internal;

import dev.parley.client.ReplyStream;
import dev.parley.schemas.Chunk;
import dev.parley.schemas.Reply;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.function.Supplier;

/** A {@link ReplyStream} over a request's {@link ChunkPublisher} and reply future. */
public record PublishedStream(String requestId, ChunkPublisher publisher, CompletableFuture<Reply> reply,
                              Supplier<CompletableFuture<Void>> canceller) implements ReplyStream {

    @Override
    public Flow.Publisher<Chunk> chunks() {
        return publisher.publisher();
    }

    @Override
    public CompletableFuture<Void> cancel() {
        return canceller.get();
    }
}
