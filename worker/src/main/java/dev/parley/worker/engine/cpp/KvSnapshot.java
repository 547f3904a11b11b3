package dev.parley.worker.engine.cpp;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A copy of one conversation's sequence state (its KV cells), taken when the sequence went to another conversation.
 * Held in native memory, outside the Java heap. It carries the tokens it holds and a hash of the conversation id and
 * those tokens, checked before it is restored, so a snapshot can only continue the conversation it was taken from.
 *
 * <p>Its memory is released when the last holder closes it: the host-RAM store and the disk tier's writer thread may
 * hold one snapshot at the same time ({@link #retain()}), and whichever lets go last releases it, to be freed or
 * reused ({@link SnapshotBuffers}). The buffer may be larger than the state it holds ({@link #bytes()}).
 */
final class KvSnapshot implements AutoCloseable {

    private final String conversationId;
    private final int[] tokens;
    private final long prefixHash;
    private final SnapshotBuffer data;
    private final long bytes;
    private final Consumer<SnapshotBuffer> release;
    private final AtomicInteger holders = new AtomicInteger(1);

    /**
     * @param conversationId the conversation it belongs to
     * @param tokens         the tokens whose KV cells it holds, from position 0
     * @param prefixHash     {@link #hash} of the conversation id and tokens, taken when it was saved
     * @param data           the state as {@code llama_state_seq_get_data} wrote it, from its start
     * @param bytes          how much of {@code data} the state fills
     * @param release        what the last holder does with {@code data}: free it or hand it back for reuse
     */
    KvSnapshot(String conversationId, int[] tokens, long prefixHash, SnapshotBuffer data, long bytes,
               Consumer<SnapshotBuffer> release) {
        if (bytes > data.capacity()) {
            throw new IllegalArgumentException("a state of " + bytes + " bytes in a buffer of " + data.capacity());
        }
        this.conversationId = conversationId;
        this.tokens = tokens;
        this.prefixHash = prefixHash;
        this.data = data;
        this.bytes = bytes;
        this.release = release;
    }

    /** A snapshot that fills its own memory (read from a file), freed by the last holder. */
    static KvSnapshot of(String conversationId, int[] tokens, Memory data) {
        return of(conversationId, tokens, SnapshotBuffer.of(data), data.size(), SnapshotBuffer::free);
    }

    static KvSnapshot of(String conversationId, int[] tokens, SnapshotBuffer data, long bytes,
                         Consumer<SnapshotBuffer> release) {
        return new KvSnapshot(conversationId, tokens, hash(conversationId, tokens), data, bytes, release);
    }

    String conversationId() {
        return conversationId;
    }

    int[] tokens() {
        return tokens;
    }

    long prefixHash() {
        return prefixHash;
    }

    /** Where the state starts. */
    Pointer data() {
        return data.pointer();
    }

    /** Whether its memory was freed (not handed back for reuse). */
    boolean freed() {
        return data.freed();
    }

    /** The state's size: what {@code llama_state_seq_set_data} reads back. */
    long bytes() {
        return bytes;
    }

    /** The memory it holds: its buffer, which may be larger than its state. */
    long footprint() {
        return data.capacity();
    }

    /** One more holder; each holder closes it once. */
    KvSnapshot retain() {
        if (holders.getAndIncrement() <= 0) {
            throw new IllegalStateException(this + " was already freed");
        }
        return this;
    }

    /** Whether this snapshot may be restored for {@code conversation}: its own, and not altered since it was taken. */
    boolean belongsTo(String conversation) {
        return conversationId.equals(conversation) && prefixHash == hash(conversation, tokens);
    }

    /** 64-bit FNV-1a over the conversation id and the tokens. */
    static long hash(String conversationId, int[] tokens) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < conversationId.length(); i++) {
            h = (h ^ conversationId.charAt(i)) * 0x100000001b3L;
        }
        h = (h ^ 0xff) * 0x100000001b3L;
        for (int token : tokens) {
            h = (h ^ token) * 0x100000001b3L;
        }
        return h;
    }

    /** Lets go of it; the last holder releases the native memory now rather than when the collector gets to it. */
    @Override
    public void close() {
        if (holders.decrementAndGet() == 0) {
            release.accept(data);
        }
    }

    @Override
    public String toString() {
        return "KvSnapshot[" + conversationId + ", " + tokens.length + " tokens, " + bytes() + " bytes]";
    }
}
