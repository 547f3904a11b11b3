package dev.parley.worker.engine.disk;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which conversations have a snapshot file, in least recently used order, and the bytes they take. Room for a new
 * file is reserved before it is written, by giving up the least recently used others, so the files on disk never
 * exceed the budget, not even while one is being written. Shared by the engine thread (look-ups) and the writer and
 * reader threads: every method is synchronized.
 */
final class DiskIndex {

    /** One conversation's file. */
    record Entry(String conversationId, Path file, int[] tokens, long bytes) {
    }

    private final long budgetBytes;
    private final Map<String, Entry> byConversation = new LinkedHashMap<>(16, 0.75f, true);
    private long bytes;
    private long reserved;

    DiskIndex(long budgetBytes) {
        this.budgetBytes = budgetBytes;
    }

    synchronized Entry get(String conversationId) {
        return byConversation.get(conversationId);
    }

    /**
     * Reserves room for a file of {@code size} bytes; returns the entries given up for it (their files are the
     * caller's to delete), or null if it cannot fit at all. One reservation at a time (the one writer thread).
     */
    synchronized List<Entry> reserve(long size) {
        if (size > budgetBytes) {
            return null;
        }
        List<Entry> victims = new ArrayList<>();
        Iterator<Entry> oldestFirst = byConversation.values().iterator();
        while (bytes + reserved + size > budgetBytes && oldestFirst.hasNext()) {
            Entry oldest = oldestFirst.next();
            oldestFirst.remove();
            bytes -= oldest.bytes();
            victims.add(oldest);
        }
        reserved = size;
        return victims;
    }

    /** Ends a reservation: the file was written ({@code entry} replaces the conversation's earlier one) or not. */
    synchronized void commit(Entry entry) {
        reserved = 0;
        if (entry != null) {
            Entry old = byConversation.remove(entry.conversationId());
            if (old != null) {
                bytes -= old.bytes();
            }
            byConversation.put(entry.conversationId(), entry);
            bytes += entry.bytes();
        }
    }

    /** Adds an entry found at start, if it fits; returns the entries given up for it (oldest first). */
    synchronized List<Entry> add(Entry entry) {
        List<Entry> victims = reserve(entry.bytes());
        if (victims == null) {
            reserved = 0;
            return List.of(entry);
        }
        commit(entry);
        return victims;
    }

    /** Forgets the entry if it is still the conversation's current one. */
    synchronized boolean remove(Entry entry) {
        if (byConversation.get(entry.conversationId()) == entry) {
            byConversation.remove(entry.conversationId());
            bytes -= entry.bytes();
            return true;
        }
        return false;
    }

    synchronized long bytes() {
        return bytes + reserved;
    }

    synchronized int count() {
        return byConversation.size();
    }

    long budgetBytes() {
        return budgetBytes;
    }
}
