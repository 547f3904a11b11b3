package dev.parley.client.internal;

import dev.parley.client.ParleyException;
import dev.parley.schemas.Chunk;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.concurrent.SubmissionPublisher;
import java.util.function.Consumer;

/**
 * The chunks of one {@code ReplyStream} as a {@link Flow.Publisher}. Subscribers are called on the client's delivery
 * threads, each in order; handing a chunk in never blocks: a subscriber that falls {@value #MAX_BEHIND} chunks behind
 * (or never requests any) ends the stream's chunks with an error instead of stalling the client.
 */
public final class ChunkPublisher implements Consumer<Chunk> {

    /** Chunks buffered per subscriber; a generation needs far fewer (each chunk carries several tokens). */
    static final int MAX_BEHIND = 1 << 16;

    private final String requestId;
    private final SubmissionPublisher<Chunk> publisher;

    public ChunkPublisher(String requestId, Executor deliveryPool) {
        this.requestId = requestId;
        this.publisher = new SubmissionPublisher<>(deliveryPool, MAX_BEHIND);
    }

    /** Hands a chunk to every subscriber; called on the request's lane. */
    @Override
    public void accept(Chunk chunk) {
        if (publisher.isClosed()) {
            return;
        }
        if (publisher.offer(chunk, (subscriber, dropped) -> false) < 0) {
            publisher.closeExceptionally(new ParleyException("a subscriber of stream " + requestId + " fell "
                    + MAX_BEHIND + " chunks behind; its chunks stop here (the reply future still completes)"));
        }
    }

    /** Ends the chunks: normally after the reply, with {@code error} when the request failed. */
    public void finish(Throwable error) {
        if (error != null) {
            publisher.closeExceptionally(error);
        } else {
            publisher.close();
        }
    }

    public Flow.Publisher<Chunk> publisher() {
        return publisher;
    }
}
