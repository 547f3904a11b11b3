package dev.parley.worker.engine.cpp;

import com.sun.jna.Memory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A copy of one conversation's sequence state (its KV cells), taken when the sequence went to another conversation.
 * Held in native memory, outside the Java heap. It carries the tokens it holds and a hash of the conversation id and
 * those tokens, checked before it is restored, so a snapshot can only continue the conversation it was taken from.
 *
 * <p>Its memory is freed when the last holder closes it: the host-RAM store and the disk tier's writer thread may
 * hold one snapshot at the same time ({@link #retain()}), and whichever lets go last frees it.
 */
final class KvSnapshot implements AutoCloseable {

    private final String conversationId;
    private final int[] tokens;
    private final long prefixHash;
    private final Memory data;
    private final AtomicInteger holders = new AtomicInteger(1);

    /**
     * @param conversationId the conversation it belongs to
     * @param tokens         the tokens whose KV cells it holds, from position 0
     * @param prefixHash     {@link #hash} of the conversation id and tokens, taken when it was saved
     * @param data           the state as {@code llama_state_seq_get_data} wrote it
     */
    KvSnapshot(String conversationId, int[] tokens, long prefixHash, Memory data) {
        this.conversationId = conversationId;
        this.tokens = tokens;
        this.prefixHash = prefixHash;
        this.data = data;
    }

    static KvSnapshot of(String conversationId, int[] tokens, Memory data) {
        return new KvSnapshot(conversationId, tokens, hash(conversationId, tokens), data);
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

    Memory data() {
        return data;
    }

    long bytes() {
        return data.size();
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

    /** Lets go of it; the last holder frees the native memory now rather than when the collector gets to it. */
    @Override
    public void close() {
        if (holders.decrementAndGet() == 0) {
            data.close();
        }
    }

    @Override
    public String toString() {
        return "KvSnapshot[" + conversationId + ", " + tokens.length + " tokens, " + bytes() + " bytes]";
    }
}
