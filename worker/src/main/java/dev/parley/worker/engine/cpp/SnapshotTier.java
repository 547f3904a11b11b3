package dev.parley.worker.engine.cpp;

import com.sun.jna.Pointer;
import dev.parley.worker.engine.KvCacheListener;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves conversations between the context's sequences and host-RAM snapshots: an evicted sequence is copied out (if
 * the budget allows) and cleared; a returning conversation's snapshot is copied back into an emptied sequence.
 * Engine thread only.
 */
final class SnapshotTier implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SnapshotTier.class);

    private final LlamaLib llama;
    private final Pointer context;
    private final Pointer memory;
    private final SnapshotStore snapshots;
    private final SnapshotBuffers buffers;
    private final List<KvCacheListener> listeners;
    private long evictions;
    private long saved;
    private long restored;

    SnapshotTier(LlamaLib llama, Pointer context, long budgetBytes, SnapshotMemory memory, int sequences,
                 List<KvCacheListener> listeners) {
        this.llama = llama;
        this.context = context;
        this.memory = llama.llama_get_memory(context);
        this.snapshots = new SnapshotStore(budgetBytes);
        this.buffers = new SnapshotBuffers(memory, sequences, () -> budgetBytes - snapshots.bytes());
        this.listeners = listeners;
    }

    /**
     * Gives up a sequence's conversation: snapshots its cells (if the budget allows) and clears them. Returns the
     * snapshot kept (held by the store: retain it to keep it past the store's next change), or null.
     */
    KvSnapshot evict(Sequence sequence) {
        evictions++;
        KvSnapshot kept = null;
        if (sequence.tokens.size() > 0 && snapshots.budgetBytes() > 0) { // a zero budget turns snapshots off
            long begin = System.nanoTime();
            long size = llama.llama_state_seq_get_size(context, sequence.id);
            if (size > 0 && snapshots.fits(SnapshotBuffers.capacityFor(size))) {
                KvSnapshot snapshot = copyOut(sequence, size);
                if (snapshot != null) {
                    kept = snapshots.put(snapshot) ? snapshot : null;
                    long took = System.nanoTime() - begin;
                    saved++;
                    listeners.forEach(listener -> listener.snapshotSaved(took));
                }
            } else {
                snapshots.refuse();
            }
        }
        llama.llama_memory_seq_rm(memory, sequence.id, -1, -1);
        sequence.reset();
        return kept;
    }

    /**
     * Copies a sequence's state of {@code size} bytes ({@code llama_state_seq_get_size}) into a buffer of the
     * pool, leaving the sequence as it is; null (logged) if llama.cpp wrote less.
     */
    KvSnapshot copyOut(Sequence sequence, long size) {
        SnapshotBuffer data = buffers.obtain(size);
        long written = llama.llama_state_seq_get_data(context, data.pointer(), size, sequence.id);
        if (written != size) {
            buffers.release(data);
            log.warn("Snapshot of sequence {} wrote {} of {} bytes; not kept", sequence.id, written, size);
            return null;
        }
        return KvSnapshot.of(sequence.conversationId, sequence.tokens.toArray(), data, size, buffers::release);
    }

    /** The conversation's snapshot, taken out of the store (the caller closes it), or null. */
    KvSnapshot take(String conversationId) {
        return snapshots.take(conversationId);
    }

    /** Copies a snapshot into an emptied sequence; false (and the sequence left empty) if llama.cpp refused it. */
    boolean restore(KvSnapshot snapshot, Sequence sequence) {
        long begin = System.nanoTime();
        if (!copyIn(snapshot, sequence)) {
            return false;
        }
        long took = System.nanoTime() - begin;
        restored++;
        listeners.forEach(listener -> listener.snapshotRestored(took));
        return true;
    }

    /** {@link #restore} without counting it as a host-RAM restore (the disk tier counts its own). */
    boolean copyIn(KvSnapshot snapshot, Sequence sequence) {
        llama.llama_memory_seq_rm(memory, sequence.id, -1, -1);
        sequence.tokens.clear();
        long read = llama.llama_state_seq_set_data(context, snapshot.data(), snapshot.bytes(), sequence.id);
        int last = llama.llama_memory_seq_pos_max(memory, sequence.id);
        if (read != snapshot.bytes() || last != snapshot.tokens().length - 1) {
            log.warn("Restoring {} into sequence {} failed (read {}, last position {}); computing it instead",
                    snapshot, sequence.id, read, last);
            llama.llama_memory_seq_rm(memory, sequence.id, -1, -1);
            return false;
        }
        sequence.tokens.addAll(snapshot.tokens(), 0, snapshot.tokens().length);
        return true;
    }

    int count() {
        return snapshots.count();
    }

    long evictions() {
        return evictions;
    }

    long saved() {
        return saved;
    }

    long restored() {
        return restored;
    }

    SnapshotStore store() {
        return snapshots;
    }

    SnapshotBuffers buffers() {
        return buffers;
    }

    @Override
    public void close() {
        snapshots.close();
        buffers.close();
    }
}
