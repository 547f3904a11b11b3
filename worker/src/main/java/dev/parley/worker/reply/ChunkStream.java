package dev.parley.worker.reply;

import dev.parley.schemas.Chunk;
import dev.parley.schemas.TokenLogprob;
import dev.parley.schemas.ToolCallDelta;
import dev.parley.worker.engine.TokenListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns generated text into chunk records for a streamed prompt: a chunk is due every {@code maxTokens} tokens or
 * when {@code maxDelay} has passed since the last one, so Kafka is not sent one record per token.
 *
 * <p>The engine thread calls {@link #onText}, which never touches Kafka: it appends and, when a chunk is due, asks
 * its {@link Outbox} to send (a sender thread, in a worker). While the sender is behind, text keeps accumulating
 * into the one pending chunk of this stream, so a slow broker costs bigger chunks, never a stalled engine.
 * {@link #close()} sends the rest on the caller's thread; the final reply, sent after it, follows the chunks on the
 * same partition (same key, idempotent producer), because a stream's chunks are handed to the producer in order.
 *
 * <p>A chunk never carries more than {@link ReplyPublisher#maxChunkTextBytes()} of text, so it always fits a record:
 * text that piled up while the sender was behind goes out as several chunks in a row, never as one record the
 * producer refuses (which would leave a hole in the streamed text).
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
    /** A reasoning model's thinking not sent yet; it goes out before {@link #pending}, which follows it. */
    private final StringBuilder pendingReasoning = new StringBuilder();
    /** Log probabilities of tokens not sent yet; they ride on the next chunk, or on chunks of their own. */
    private final List<TokenLogprob> pendingLogprobs = new ArrayList<>();
    /** The text and log probabilities not sent yet of the answers after the first (n > 1), by index. */
    private final Map<Integer, Pending> otherChoices = new TreeMap<>();
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
        append(pending, delta);
    }

    @Override
    public void onReasoning(String delta) {
        append(pendingReasoning, delta);
    }

    /** Kept for the next chunk; text, which comes with them, decides when that is due. */
    @Override
    public void onLogprobs(List<TokenLogprob> entries) {
        synchronized (this) {
            if (!closed) {
                pendingLogprobs.addAll(entries);
            }
        }
    }

    /** Answer {@code index}'s text and log probabilities, sent in chunks carrying its index, in this stream's order. */
    @Override
    public TokenListener choice(int index) {
        Pending pending;
        synchronized (this) {
            pending = otherChoices.computeIfAbsent(index, i -> new Pending());
        }
        return new TokenListener() {
            @Override
            public void onText(String delta) {
                append(pending.text, delta);
            }

            @Override
            public void onLogprobs(List<TokenLogprob> entries) {
                synchronized (ChunkStream.this) {
                    if (!closed) {
                        pending.logprobs.addAll(entries);
                    }
                }
            }
        };
    }

    /** What one further answer has not sent yet. */
    private static final class Pending {
        final StringBuilder text = new StringBuilder();
        final List<TokenLogprob> logprobs = new ArrayList<>();
    }

    private void append(StringBuilder part, String delta) {
        boolean due;
        synchronized (this) {
            if (closed) {
                return;
            }
            part.append(delta);
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
            List<Chunk> chunks;
            synchronized (this) {
                scheduled = false;
                chunks = take();
            }
            for (Chunk chunk : chunks) {
                publisher.publishChunk(topic, chunk);
            }
        }
    }

    /** Sends what is pending and takes no more text; call before the final reply. */
    @Override
    public void close() {
        synchronized (sendOrder) {
            List<Chunk> chunks;
            synchronized (this) {
                closed = true;
                chunks = take();
            }
            for (Chunk chunk : chunks) {
                publisher.publishChunk(topic, chunk);
            }
        }
    }

    /**
     * Sends what is pending, then a chunk with the answer's tool calls (a whole call per delta); before
     * {@link #close()}.
     */
    public void sendToolCalls(List<ToolCallDelta> calls) {
        synchronized (sendOrder) {
            List<Chunk> chunks;
            synchronized (this) {
                chunks = new ArrayList<>(take());
                chunks.add(Chunk.of(requestId, conversationId, seq++, attempt, "", worker).withToolCalls(calls));
            }
            for (Chunk chunk : chunks) {
                publisher.publishChunk(topic, chunk);
            }
        }
    }

    /** Chunks sent so far. */
    public synchronized int chunksSent() {
        return seq;
    }

    /** The pending text as the next chunks (none when there is none); under this stream's lock, never while sending. */
    private List<Chunk> take() {
        List<Chunk> chunks = new ArrayList<>(1);
        if (pending.length() > 0 || pendingReasoning.length() > 0 || !pendingLogprobs.isEmpty()) {
            takeFirst(chunks);
        }
        otherChoices.forEach((index, other) -> {
            if (other.text.length() > 0 || !other.logprobs.isEmpty()) {
                List<Chunk> pieces = new ArrayList<>(1);
                for (String piece : other.text.length() == 0 ? List.<String>of()
                        : splitUtf8(other.text, publisher.maxChunkTextBytes())) {
                    pieces.add(Chunk.of(requestId, conversationId, seq++, attempt, piece, worker).withIndex(index));
                }
                other.text.setLength(0);
                addLogprobs(pieces, other.logprobs, index);
                chunks.addAll(pieces);
            }
        });
        return chunks;
    }

    /** The first answer's pending reasoning, text and log probabilities as chunks. */
    private void takeFirst(List<Chunk> chunks) {
        if (pendingReasoning.length() > 0) {
            for (String piece : splitUtf8(pendingReasoning, publisher.maxChunkTextBytes())) {
                chunks.add(Chunk.of(requestId, conversationId, seq++, attempt, "", worker).withReasoning(piece));
            }
            pendingReasoning.setLength(0);
        }
        if (pending.length() > 0) {
            for (String piece : splitUtf8(pending, publisher.maxChunkTextBytes())) {
                chunks.add(Chunk.of(requestId, conversationId, seq++, attempt, piece, worker));
            }
        }
        pending.setLength(0);
        pendingTokens = 0;
        addLogprobs(chunks, pendingLogprobs, 0);
    }

    /**
     * Puts the pending log probabilities on the last of {@code chunks}, and what does not fit one chunk (a record
     * holds {@link ReplyPublisher#maxChunkTextBytes()} of them besides its text) on chunks of their own with no text.
     */
    private void addLogprobs(List<Chunk> chunks, List<TokenLogprob> pendingLogprobs, int index) {
        if (pendingLogprobs.isEmpty()) {
            return;
        }
        List<List<TokenLogprob>> groups = new ArrayList<>(1);
        List<TokenLogprob> group = new ArrayList<>();
        long bytes = 0;
        for (TokenLogprob entry : pendingLogprobs) {
            long size = jsonBytesAtMost(entry);
            if (!group.isEmpty() && bytes + size > publisher.maxChunkTextBytes()) {
                groups.add(group);
                group = new ArrayList<>();
                bytes = 0;
            }
            group.add(entry);
            bytes += size;
        }
        groups.add(group);
        pendingLogprobs.clear();
        int next = 0;
        if (!chunks.isEmpty()) {
            int last = chunks.size() - 1;
            chunks.set(last, chunks.get(last).withLogprobs(groups.get(next++)));
        }
        for (; next < groups.size(); next++) {
            chunks.add(Chunk.of(requestId, conversationId, seq++, attempt, "", worker).withLogprobs(groups.get(next))
                    .withIndex(index));
        }
    }

    /** A bound on an entry's JSON size: each char escaped as six bytes at worst, each byte as four ("255,"). */
    static long jsonBytesAtMost(TokenLogprob entry) {
        long size = 96 + 6L * entry.token().length() + 4L * entry.bytes().size();
        for (TokenLogprob.Alternative alternative : entry.topLogprobs()) {
            size += 80 + 6L * alternative.token().length() + 4L * alternative.bytes().size();
        }
        return size;
    }

    /** {@code text} in pieces of at most {@code maxBytes} bytes of UTF-8 each, cut between code points. */
    static List<String> splitUtf8(CharSequence text, int maxBytes) {
        if (maxBytes < 4) {
            throw new IllegalArgumentException("maxBytes must be at least 4 (one code point), got " + maxBytes);
        }
        List<String> pieces = new ArrayList<>(1);
        int start = 0;
        int bytes = 0;
        for (int i = 0; i < text.length(); ) {
            int codePoint = Character.codePointAt(text, i);
            int width = utf8Bytes(codePoint);
            if (bytes + width > maxBytes) {
                pieces.add(text.subSequence(start, i).toString());
                start = i;
                bytes = 0;
            }
            bytes += width;
            i += Character.charCount(codePoint);
        }
        pieces.add(text.subSequence(start, text.length()).toString());
        return pieces;
    }

    private static int utf8Bytes(int codePoint) {
        if (codePoint < 0x80) {
            return 1;
        }
        if (codePoint < 0x800) {
            return 2;
        }
        return codePoint < 0x10000 ? 3 : 4; // a lone surrogate is written as three bytes at most
    }
}
