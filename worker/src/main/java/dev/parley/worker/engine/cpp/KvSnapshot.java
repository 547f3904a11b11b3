package dev.parley.worker.engine.cpp;

import com.sun.jna.Memory;
import java.util.Arrays;

/**
 * A copy of one conversation's sequence state (its KV cells), taken when the sequence went to another conversation.
 * Held in native memory, outside the Java heap. It carries the tokens it holds and a hash of the conversation id and
 * those tokens, checked before it is restored, so a snapshot can only continue the conversation it was taken from.
 *
 * @param conversationId the conversation it belongs to
 * @param tokens         the tokens whose KV cells it holds, from position 0
 * @param prefixHash     {@link #hash} of the conversation id and tokens, taken when it was saved
 * @param data           the state as {@code llama_state_seq_get_data} wrote it
 */
record KvSnapshot(String conversationId, int[] tokens, long prefixHash, Memory data) implements AutoCloseable {

    static KvSnapshot of(String conversationId, int[] tokens, Memory data) {
        return new KvSnapshot(conversationId, tokens, hash(conversationId, tokens), data);
    }

    long bytes() {
        return data.size();
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

    /** Frees the native memory now rather than when the collector gets to it. */
    @Override
    public void close() {
        data.close();
    }

    @Override
    public String toString() {
        return "KvSnapshot[" + conversationId + ", " + tokens.length + " tokens, " + bytes() + " bytes]";
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof KvSnapshot s && s.conversationId.equals(conversationId)
                && Arrays.equals(s.tokens, tokens) && s.prefixHash == prefixHash && s.data == data;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(prefixHash);
    }
}
