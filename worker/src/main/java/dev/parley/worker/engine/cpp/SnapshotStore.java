package dev.parley.worker.engine.cpp;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Host-RAM snapshots of conversations' sequences, one per conversation, bounded in bytes (their buffers' sizes): adding one drops the least
 * recently used snapshots until the total fits the budget (and frees their memory). A snapshot larger than the whole
 * budget is not kept. Used by the engine thread only.
 */
final class SnapshotStore implements AutoCloseable {

    private final long budgetBytes;
    private final Map<String, KvSnapshot> byConversation = new LinkedHashMap<>(16, 0.75f, true);
    /** Read by the disk tier's writer thread too, when it hands a buffer back ({@link SnapshotBuffers}). */
    private volatile long bytes;
    private long dropped;

    SnapshotStore(long budgetBytes) {
        if (budgetBytes < 0) {
            throw new IllegalArgumentException("snapshot budget must be >= 0 bytes, got " + budgetBytes);
        }
        this.budgetBytes = budgetBytes;
    }

    /** Whether a snapshot of this size can be kept at all (saving it is pointless otherwise). */
    boolean fits(long size) {
        return size <= budgetBytes;
    }

    /** Keeps a snapshot, replacing the conversation's earlier one; returns false (and frees it) if it cannot fit. */
    boolean put(KvSnapshot snapshot) {
        remove(snapshot.conversationId());
        if (!fits(snapshot.footprint())) {
            snapshot.close();
            dropped++;
            return false;
        }
        Iterator<KvSnapshot> oldestFirst = byConversation.values().iterator();
        while (bytes + snapshot.footprint() > budgetBytes && oldestFirst.hasNext()) {
            KvSnapshot oldest = oldestFirst.next();
            oldestFirst.remove();
            bytes -= oldest.footprint();
            oldest.close();
            dropped++;
        }
        byConversation.put(snapshot.conversationId(), snapshot);
        bytes += snapshot.footprint();
        return true;
    }

    /** Counts a snapshot not taken because it could not fit the budget. */
    void refuse() {
        dropped++;
    }

    /** Removes and returns the conversation's snapshot (the caller restores and closes it), or null. */
    KvSnapshot take(String conversationId) {
        KvSnapshot snapshot = byConversation.remove(conversationId);
        if (snapshot != null) {
            bytes -= snapshot.footprint();
        }
        return snapshot;
    }

    boolean contains(String conversationId) {
        return byConversation.containsKey(conversationId);
    }

    long bytes() {
        return bytes;
    }

    long budgetBytes() {
        return budgetBytes;
    }

    int count() {
        return byConversation.size();
    }

    /** Snapshots dropped to make room (or too large to keep). */
    long dropped() {
        return dropped;
    }

    private void remove(String conversationId) {
        KvSnapshot old = take(conversationId);
        if (old != null) {
            old.close();
        }
    }

    @Override
    public void close() {
        byConversation.values().forEach(KvSnapshot::close);
        byConversation.clear();
        bytes = 0;
    }
}
