package dev.parley.worker.reply;

import dev.parley.schemas.Prompt;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The thread that hands streamed chunks to the Kafka producer, so that the engine thread never blocks on the broker
 * (a producer waiting for metadata blocks its caller for up to {@code max.block.ms}). The queue holds each stream at
 * most once, so it is bounded by the turns in flight; when it is full anyway, a stream's text waits in its pending
 * chunk (coalesced) until the next due point.
 */
public final class ChunkSender implements ChunkStreams, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ChunkSender.class);

    private final ReplyPublisher publisher;
    private final String workerId;
    private final ChunkStream.Batching batching;
    private final BlockingQueue<ChunkStream> due;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile long lastProgressNanos = System.nanoTime();

    public ChunkSender(ReplyPublisher publisher, String workerId, ChunkStream.Batching batching, int capacity,
                       String threadName) {
        this.publisher = publisher;
        this.workerId = workerId;
        this.batching = batching;
        this.due = new ArrayBlockingQueue<>(capacity);
        this.thread = new Thread(this::run, threadName);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    @Override
    public ChunkStream open(Prompt prompt, int attempt) {
        return new ChunkStream(publisher, due::offer, prompt.replyTo(), prompt.requestId(), prompt.conversationId(),
                attempt, workerId, batching);
    }

    /** Whether the sender thread runs. */
    public boolean isAlive() {
        return thread.isAlive();
    }

    /** Streams waiting to be sent. */
    public int waiting() {
        return due.size();
    }

    /** {@link System#nanoTime()} when the sender last finished a send or found nothing to do. */
    public long lastProgressNanos() {
        return lastProgressNanos;
    }

    private void run() {
        while (running) {
            try {
                ChunkStream stream = due.poll(200, TimeUnit.MILLISECONDS);
                if (stream != null) {
                    stream.sendPending();
                }
                lastProgressNanos = System.nanoTime();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                // The producer refused a chunk (closed, say): chunks are best effort, the final reply is not.
                log.warn("A streamed chunk could not be sent: {}", e.getMessage());
            }
        }
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
