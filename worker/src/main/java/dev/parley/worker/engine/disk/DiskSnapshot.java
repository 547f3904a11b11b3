package dev.parley.worker.engine.disk;

import com.sun.jna.Memory;

/**
 * A snapshot file read back and checked, in native memory that the receiver owns (and closes).
 *
 * @param conversationId the conversation it belongs to
 * @param tokens         the tokens whose KV cells it holds, from position 0
 * @param data           the state as {@code llama_state_seq_get_data} wrote it
 */
public record DiskSnapshot(String conversationId, int[] tokens, Memory data) {
}
