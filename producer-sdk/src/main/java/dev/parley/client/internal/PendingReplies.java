package dev.parley.client.internal;

import dev.parley.client.ParleyException;
import dev.parley.client.ParleyRateLimitedException;
import dev.parley.client.ParleyTimeoutException;
import dev.parley.schemas.Chunk;
import dev.parley.schemas.Reply;
import dev.parley.schemas.ReplyStatus;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Requests waiting for their reply, by request id. The first reply for an id completes its future; later ones
 * (redeliveries republish the stored reply) are dropped and counted.
 *
 * <p>A plain request's future completes on the thread that hands in its reply. A streamed request has a lane of its
 * own (see {@link ChunkDelivery}): its chunks and then its reply are delivered there, in order, so a slow chunk
 * callback delays only its own request. Its timeout and a failure (the client closing, the broker unreachable) do not
 * queue behind the chunks: they complete the future at once and cancel the lane, whose chunks not yet handed over
 * are dropped. So a streamed future always completes, even while its chunk callback blocks forever; until the lane
 * has handed over the reply, the request's timeout stays armed.
 */
public final class PendingReplies {

    private static final int REMEMBERED_COMPLETIONS = 100_000;

    private record Pending(CompletableFuture<Reply> future, ScheduledFuture<?> timeout, ChunkFilter chunks) {

        /** Fails the future now, not after the chunks queued on its lane, and drops those chunks. */
        void abort(Throwable cause) {
            timeout.cancel(false);
            if (chunks != null) {
                chunks.cancel();
            }
            future.completeExceptionally(cause);
        }
    }

    /** Passes a request's chunks on once each, in order, dropping those of superseded attempts. */
    private static final class ChunkFilter {
        private final Consumer<Chunk> sink;
        private final Executor lane;
        private int attempt;
        private int nextSeq;
        private volatile boolean cancelled;

        ChunkFilter(Consumer<Chunk> sink, Executor lane) {
            this.sink = sink;
            this.lane = lane;
        }

        synchronized boolean offer(Chunk chunk) {
            if (cancelled || chunk.attempt() < attempt || (chunk.attempt() == attempt && chunk.seq() < nextSeq)) {
                return false;
            }
            if (chunk.attempt() > attempt) {
                attempt = chunk.attempt();
            }
            nextSeq = chunk.seq() + 1;
            lane.execute(() -> {
                if (!cancelled) {
                    sink.accept(chunk);
                }
            });
            return true;
        }

        /** The request failed or timed out: chunks still queued are not handed over. */
        void cancel() {
            cancelled = true;
        }
    }

    private final Map<String, Pending> pending = new ConcurrentHashMap<>();
    /** Streamed requests whose reply arrived and waits on their lane behind their chunks. */
    private final Map<String, Pending> handingOver = new ConcurrentHashMap<>();
    private final Map<String, Boolean> recentlyCompleted = boundedSet(REMEMBERED_COMPLETIONS);
    private final ScheduledExecutorService timer;
    private final ChunkDelivery delivery;
    private final AtomicLong duplicatesDropped = new AtomicLong();
    private final AtomicLong unmatched = new AtomicLong();

    /** Streamed requests deliver on the calling thread: for tests of the bookkeeping. */
    public PendingReplies(ScheduledExecutorService timer) {
        this(timer, ChunkDelivery.INLINE);
    }

    public PendingReplies(ScheduledExecutorService timer, ChunkDelivery delivery) {
        this.timer = timer;
        this.delivery = delivery;
    }

    /** Registers a request before it is sent, so that even an instant reply finds it. */
    public CompletableFuture<Reply> register(String requestId, String conversationId, Duration timeout) {
        return register(requestId, conversationId, timeout, null);
    }

    /** Registers a streamed request: its chunks go to {@code chunkSink} (on its lane), then the reply. */
    public CompletableFuture<Reply> register(String requestId, String conversationId, Duration timeout,
                                             Consumer<Chunk> chunkSink) {
        CompletableFuture<Reply> future = new CompletableFuture<>();
        ScheduledFuture<?> timeoutTask = timer.schedule(
                () -> abortIfWaiting(requestId, future, new ParleyTimeoutException(requestId, conversationId, timeout)),
                timeout.toNanos(), TimeUnit.NANOSECONDS);
        Pending previous = pending.putIfAbsent(requestId, new Pending(future, timeoutTask,
                chunkSink == null ? null : new ChunkFilter(chunkSink, delivery.newLane())));
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
        synchronized (recentlyCompleted) {
            recentlyCompleted.put(reply.requestId(), Boolean.TRUE);
        }
        // A typed failure carrying the retry-after: a caller who only reads content cannot mistake it for an answer.
        Runnable completion = reply.status() == ReplyStatus.RATE_LIMITED
                ? () -> waiting.future().completeExceptionally(new ParleyRateLimitedException(reply))
                : () -> waiting.future().complete(reply);
        if (waiting.chunks() == null) {
            waiting.timeout().cancel(false);
            completion.run();
        } else {
            handOverAfterChunks(reply.requestId(), waiting, completion);
        }
        return true;
    }

    /** Completes a streamed request on its lane, after its chunks; its timeout stays armed until then. */
    private void handOverAfterChunks(String requestId, Pending waiting, Runnable completion) {
        handingOver.put(requestId, waiting);
        waiting.chunks().lane.execute(() -> {
            handingOver.remove(requestId, waiting);
            if (!waiting.chunks().cancelled) {
                waiting.timeout().cancel(false);
                completion.run();
            }
        });
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
        failIfWaiting(requestId, cause);
    }

    private boolean failIfWaiting(String requestId, Throwable cause) {
        Pending waiting = pending.remove(requestId);
        if (waiting == null) {
            waiting = handingOver.remove(requestId);
        }
        if (waiting == null) {
            return false;
        }
        waiting.abort(cause);
        return true;
    }

    /** The timeout of {@code future}'s request: fails it if it still waits for its reply or for its lane. */
    private void abortIfWaiting(String requestId, CompletableFuture<Reply> future, Throwable cause) {
        for (Map<String, Pending> map : List.of(pending, handingOver)) {
            Pending waiting = map.get(requestId);
            if (waiting != null && waiting.future() == future && map.remove(requestId, waiting)) {
                waiting.abort(cause);
                return;
            }
        }
    }

    /** Fails everything still waiting (the client is closing). */
    public void failAll(String why) {
        failAll(requestId -> new ParleyException(why + "; request " + requestId + " got no reply"));
    }

    /** Fails everything still waiting, each with the exception {@code failure} makes for its request id. */
    public int failAll(Function<String, ? extends Throwable> failure) {
        int failed = 0;
        Set<String> waiting = new HashSet<>(pending.keySet());
        waiting.addAll(handingOver.keySet());
        for (String requestId : waiting) {
            if (failIfWaiting(requestId, failure.apply(requestId))) {
                failed++;
            }
        }
        return failed;
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
