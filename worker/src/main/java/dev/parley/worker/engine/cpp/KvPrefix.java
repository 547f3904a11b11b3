package dev.parley.worker.engine.cpp;

import com.sun.jna.Memory;

/**
 * The KV of a prompt prefix shared by conversations (their common system prompt and the template around it), taken
 * from the sequence that computed it first, at the moment its prefill reached the prefix's end. Held once in native
 * memory and copied into the sequence of each conversation whose prompt begins with exactly these tokens.
 *
 * @param tokens the prefix's tokens, from position 0
 * @param key    {@link #key} of the tokens and the KV layout they were computed under
 * @param layout fingerprint of the model, KV cache type and context layout ({@link #layout})
 * @param data   the sequence state as {@code llama_state_seq_get_data} wrote it
 */
record KvPrefix(int[] tokens, long key, long layout, Memory data) implements AutoCloseable {

    long bytes() {
        return data.size();
    }

    /**
     * Whether this prefix is exactly the first {@code length} tokens of {@code prompt} under {@code layout}. The key
     * only finds candidates; the tokens are compared one by one, so a hash collision never shares a wrong prefix.
     */
    boolean isPrefixOf(int[] prompt, int length, long layoutOfPrompt) {
        if (layout != layoutOfPrompt || tokens.length != length || prompt.length < length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (tokens[i] != prompt[i]) {
                return false;
            }
        }
        return true;
    }

    /** 64-bit FNV-1a over the layout fingerprint and the first {@code length} tokens. */
    static long key(int[] tokens, int length, long layout) {
        long h = 0xcbf29ce484222325L;
        for (int shift = 0; shift < 64; shift += 8) {
            h = (h ^ ((layout >>> shift) & 0xff)) * 0x100000001b3L;
        }
        for (int i = 0; i < length; i++) {
            h = (h ^ tokens[i]) * 0x100000001b3L;
        }
        return h;
    }

    /**
     * A fingerprint of what a prefix's KV depends on besides its tokens: the model (file name and size), the KV cache
     * element type and the context per sequence. One engine has one of each, so within a process it never changes;
     * it is kept with every prefix so that one computed under another layout is never restored.
     */
    static long layout(String model, long modelBytes, String cacheType, int contextPerSequence) {
        String text = model + '\0' + modelBytes + '\0' + cacheType + '\0' + contextPerSequence;
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < text.length(); i++) {
            h = (h ^ text.charAt(i)) * 0x100000001b3L;
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
        return "KvPrefix[" + tokens.length + " tokens, " + bytes() + " bytes]";
    }
}
