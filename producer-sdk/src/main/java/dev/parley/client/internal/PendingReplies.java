package dev.parley.client.internal;

import dev.parley.client.ParleyException;
import dev.parley.client.ParleyTimeoutException;
import dev.parley.schemas.Chunk;
import dev.parley.schemas.Reply;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Requests waiting for their reply, by request id. The first reply for an id completes its future; later ones
 * (redeliveries republish the stored reply) are dropped and counted.
 */
public final class PendingReplies {

    private static final int REMEMBERED_COMPLETIONS = 100_000;

    private record Pending(CompletableFuture<Reply> future, ScheduledFuture<?> timeout, ChunkFilter chunks) {
    }

    /** Passes a request's chunks on once each, in order, dropping those of superseded attempts. */
    private static final class ChunkFilter {
        private final Consumer<Chunk> sink;
        private int attempt;
        private int nextSeq;

        ChunkFilter(Consumer<Chunk> sink) {
            this.sink = sink;
        }

        synchronized boolean offer(Chunk chunk) {
            if (chunk.attempt() < attempt || (chunk.attempt() == attempt && chunk.seq() < nextSeq)) {
                return false;
            }
            if (chunk.attempt() > attempt) {
                attempt = chunk.attempt();
            }
            nextSeq = chunk.seq() + 1;
            sink.accept(chunk);
            return true;
        }
    }

    private final Map<String, Pending> pending = new ConcurrentHashMap<>();
    private final Map<String, Boolean> recentlyCompleted = boundedSet(REMEMBERED_COMPLETIONS);
    private final ScheduledExecutorService timer;
    private final AtomicLong duplicatesDropped = new AtomicLong();
    private final AtomicLong unmatched = new AtomicLong();

    public PendingReplies(ScheduledExecutorService timer) {
        this.timer = timer;
    }

    /** Registers a request before it is sent, so that even an instant reply finds it. */
    public CompletableFuture<Reply> register(String requestId, String conversationId, Duration timeout) {
        return register(requestId, conversationId, timeout, null);
    }

    /** Registers a streamed request: its chunks go to {@code chunkSink} (on the reply thread), then the reply. */
    public CompletableFuture<Reply> register(String requestId, String conversationId, Duration timeout,
                                             Consumer<Chunk> chunkSink) {
        CompletableFuture<Reply> future = new CompletableFuture<>();
        ScheduledFuture<?> timeoutTask = timer.schedule(() -> {
            if (pending.remove(requestId) != null) {
                future.completeExceptionally(new ParleyTimeoutException(requestId, conversationId, timeout));
            }
        }, timeout.toNanos(), TimeUnit.NANOSECONDS);
        Pending previous = pending.putIfAbsent(requestId, new Pending(future, timeoutTask,
                chunkSink == null ? null : new ChunkFilter(chunkSink)));
        if (previous != null) {
            timeoutTask.cancel(false);
            // Same id sent twice by this client while the first is in flight: both callers get the one reply.
            return previous.future();
        }
        return future;
    }

    /** Completes the request a reply belongs to; returns false when nobody here waits for it. */
    public boolean complete(Reply reply) {
        Pending waiting = pending.remove(reply.requestId());
        if (waiting == null) {
            synchronized (recentlyCompleted) {
                if (recentlyCompleted.containsKey(reply.requestId())) {
                    duplicatesDropped.incrementAndGet();
                } else {
                    unmatched.incrementAndGet();
                }
            }
            return false;
        }
        waiting.timeout().cancel(false);
        synchronized (recentlyCompleted) {
            recentlyCompleted.put(reply.requestId(), Boolean.TRUE);
        }
        waiting.future().complete(reply);
        return true;
    }

    /** Hands a chunk to the request it belongs to; returns false when nobody here streams it (or a duplicate). */
    public boolean chunk(Chunk chunk) {
        Pending waiting = pending.get(chunk.requestId());
        if (waiting == null || waiting.chunks() == null) {
            return false;
        }
        return waiting.chunks().offer(chunk);
    }

    /** Fails a request whose prompt could not be sent. */
    public void fail(String requestId, Throwable cause) {
        Pending waiting = pending.remove(requestId);
        if (waiting != null) {
            waiting.timeout().cancel(false);
            waiting.future().completeExceptionally(cause);
        }
    }

    /** Fails everything still waiting (the client is closing). */
    public void failAll(String why) {
        for (String requestId : pending.keySet()) {
            fail(requestId, new ParleyException(why + "; request " + requestId + " got no reply"));
        }
    }

    public int size() {
        return pending.size();
    }

    /** Replies dropped because their request had already been answered. */
    public long duplicatesDropped() {
        return duplicatesDropped.get();
    }

    /** Replies for requests this client never sent (other clients share the reply topic). */
    public long unmatched() {
        return unmatched.get();
    }

    private static Map<String, Boolean> boundedSet(int capacity) {
        return new LinkedHashMap<>(16, 0.75f, false) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                return size() > capacity;
            }
        };
    }
}
