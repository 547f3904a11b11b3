package dev.parley.worker.reply;

import dev.parley.schemas.Chunk;
import dev.parley.worker.engine.TokenListener;
import java.time.Duration;

/**
 * Turns generated text into chunk records for a streamed prompt: a chunk is due every {@code maxTokens} tokens or
 * when {@code maxDelay} has passed since the last one, so Kafka is not sent one record per token.
 *
 * <p>The engine thread calls {@link #onText}, which never touches Kafka: it appends and, when a chunk is due, asks
 * its {@link Outbox} to send (a sender thread, in a worker). While the sender is behind, text keeps accumulating
 * into the one pending chunk of this stream, so a slow broker costs bigger chunks, never a stalled engine.
 * {@link #close()} sends the rest on the caller's thread; the final reply, sent after it, follows the chunks on the
 * same partition (same key, idempotent producer), because a stream's chunks are handed to the producer in order.
 */
public final class ChunkStream implements TokenListener, AutoCloseable {

    /** How chunks are batched. */
    public record Batching(int maxTokens, Duration maxDelay) {
        public static final Batching DEFAULT = new Batching(8, Duration.ofMillis(100));

        public Batching {
            if (maxTokens < 1) {
                throw new IllegalArgumentException("maxTokens must be >= 1, got " + maxTokens);
            }
        }
    }

    /** Where due streams are handed for sending; must not block. */
    @FunctionalInterface
    public interface Outbox {
        /** Arranges for {@link ChunkStream#sendPending()} to run soon; false when it cannot take more now. */
        boolean schedule(ChunkStream stream);
    }

    private final ReplyPublisher publisher;
    private final Outbox outbox;
    private final String topic;
    private final String requestId;
    private final String conversationId;
    private final int attempt;
    private final String worker;
    private final Batching batching;
    private final StringBuilder pending = new StringBuilder();
    private int pendingTokens;
    private long lastDueNanos = System.nanoTime();
    private boolean scheduled;
    private boolean closed;
    private int seq;
    /**
     * Held while a chunk is taken and handed to the producer, so chunks reach it in order; {@link #onText} never
     * takes it, so the engine thread never waits for a send.
     */
    private final Object sendOrder = new Object();

    public ChunkStream(ReplyPublisher publisher, Outbox outbox, String topic, String requestId, String conversationId,
                       int attempt, String worker, Batching batching) {
        this.publisher = publisher;
        this.outbox = outbox;
        this.topic = topic;
        this.requestId = requestId;
        this.conversationId = conversationId;
        this.attempt = attempt;
        this.worker = worker;
        this.batching = batching;
    }

    @Override
    public void onText(String delta) {
        boolean due;
        synchronized (this) {
            if (closed) {
                return;
            }
            pending.append(delta);
            pendingTokens++;
            due = !scheduled && (pendingTokens >= batching.maxTokens()
                    || System.nanoTime() - lastDueNanos >= batching.maxDelay().toNanos());
            if (due) {
                scheduled = true;
                lastDueNanos = System.nanoTime();
            }
        }
        if (due && !outbox.schedule(this)) {
            synchronized (this) {
                scheduled = false; // the outbox is full: the text waits in this stream's pending chunk
            }
        }
    }

    /** Sends the pending text as one chunk; the outbox's thread. */
    public void sendPending() {
        synchronized (sendOrder) {
            Chunk chunk;
            synchronized (this) {
                scheduled = false;
                chunk = take();
            }
            if (chunk != null) {
                publisher.publishChunk(topic, chunk);
            }
        }
    }

    /** Sends what is pending and takes no more text; call before the final reply. */
    @Override
    public void close() {
        synchronized (sendOrder) {
            Chunk chunk;
            synchronized (this) {
                closed = true;
                chunk = take();
            }
            if (chunk != null) {
                publisher.publishChunk(topic, chunk);
            }
        }
    }

    /** Chunks sent so far. */
    public synchronized int chunksSent() {
        return seq;
    }

    /** The pending text as the next chunk, or null; under this stream's lock, never while sending. */
    private Chunk take() {
        if (pending.length() == 0) {
            return null;
        }
        Chunk chunk = Chunk.of(requestId, conversationId, seq++, attempt, pending.toString(), worker);
        pending.setLength(0);
        pendingTokens = 0;
        return chunk;
    }
}
