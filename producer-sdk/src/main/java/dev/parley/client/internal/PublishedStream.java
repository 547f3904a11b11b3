package dev.parley.client.internal;

import dev.parley.client.ReplyStream;
import dev.parley.schemas.Chunk;
import dev.parley.schemas.Reply;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/** A {@link ReplyStream} over a request's {@link ChunkPublisher} and reply future. */
public record PublishedStream(String requestId, ChunkPublisher publisher, CompletableFuture<Reply> reply,
                              Supplier<CompletableFuture<Void>> canceller) implements ReplyStream {

    /**
     * Sends a streamed request through {@code send}, which hands its chunks to a publisher delivering on
     * {@code deliveryPool}; the publisher finishes when the reply future completes.
     */
    public static PublishedStream start(String requestId, Executor deliveryPool,
                                        Function<Consumer<Chunk>, CompletableFuture<Reply>> send,
                                        Supplier<CompletableFuture<Void>> canceller) {
        ChunkPublisher chunks = new ChunkPublisher(requestId, deliveryPool);
        CompletableFuture<Reply> reply = send.apply(chunks);
        reply.whenComplete((done, error) -> chunks.finish(error));
        return new PublishedStream(requestId, chunks, reply, canceller);
    }

    @Override
    public Flow.Publisher<Chunk> chunks() {
        return publisher.publisher();
    }

    @Override
    public CompletableFuture<Void> cancel() {
        return canceller.get();
    }
}
