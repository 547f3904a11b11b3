package dev.parley.worker.reply;

import dev.parley.schemas.Chunk;
import dev.parley.worker.engine.TokenListener;
import java.time.Duration;

/**
 * Turns generated text into chunk records for a streamed prompt: a chunk goes out every {@code maxTokens} tokens or
 * when {@code maxDelay} has passed since the last one, so Kafka is not sent one record per token. Chunks are sent
 * without waiting for acknowledgements; the final reply, sent after {@link #flush()}, follows them on the same
 * partition (same key, idempotent producer), so readers see them in order.
 */
public final class ChunkStream implements TokenListener {

    /** How chunks are batched. */
    public record Batching(int maxTokens, Duration maxDelay) {
        public static final Batching DEFAULT = new Batching(8, Duration.ofMillis(100));

        public Batching {
            if (maxTokens < 1) {
                throw new IllegalArgumentException("maxTokens must be >= 1, got " + maxTokens);
            }
        }
    }

    private final ReplyPublisher publisher;
    private final String topic;
    private final String requestId;
    private final String conversationId;
    private final int attempt;
    private final String worker;
    private final Batching batching;
    private final StringBuilder pending = new StringBuilder();
    private int pendingTokens;
    private long lastSentNanos = System.nanoTime();
    private int seq;

    public ChunkStream(ReplyPublisher publisher, String topic, String requestId, String conversationId, int attempt,
                       String worker, Batching batching) {
        this.publisher = publisher;
        this.topic = topic;
        this.requestId = requestId;
        this.conversationId = conversationId;
        this.attempt = attempt;
        this.worker = worker;
        this.batching = batching;
    }

    @Override
    public void onText(String delta) {
        pending.append(delta);
        pendingTokens++;
        if (pendingTokens >= batching.maxTokens()
                || System.nanoTime() - lastSentNanos >= batching.maxDelay().toNanos()) {
            send();
        }
    }

    /** Sends what is pending; call before the final reply. */
    public void flush() {
        if (pending.length() > 0) {
            send();
        }
    }

    /** Chunks sent so far. */
    public int chunksSent() {
        return seq;
    }

    private void send() {
        publisher.publishChunk(topic, Chunk.of(requestId, conversationId, seq++, attempt, pending.toString(), worker));
        pending.setLength(0);
        pendingTokens = 0;
        lastSentNanos = System.nanoTime();
    }
}
