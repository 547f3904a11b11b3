package dev.parley.worker.engine.cpp;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Shared prompt prefixes in host RAM, bounded in bytes: adding one drops the least recently used (found or added)
 * until the total fits the budget, and frees their memory. A prefix larger than the whole budget is not kept. Found by
 * key, then compared token by token. Used by the engine thread only.
 */
final class PrefixStore implements AutoCloseable {

    private final long budgetBytes;
    private final Map<Long, KvPrefix> byKey = new LinkedHashMap<>(16, 0.75f, true);
    private long bytes;
    private long evictions;

    PrefixStore(long budgetBytes) {
        if (budgetBytes < 0) {
            throw new IllegalArgumentException("prefix budget must be >= 0 bytes, got " + budgetBytes);
        }
        this.budgetBytes = budgetBytes;
    }

    /** The prefix that is exactly {@code prompt[0, length)} under {@code layout}, marked as just used; or null. */
    KvPrefix find(int[] prompt, int length, long layout) {
        KvPrefix prefix = byKey.get(KvPrefix.key(prompt, length, layout));
        return prefix != null && prefix.isPrefixOf(prompt, length, layout) ? prefix : null;
    }

    /** Whether a prefix of this size can be kept at all (taking it is pointless otherwise). */
    boolean fits(long size) {
        return size <= budgetBytes;
    }

    /**
     * Keeps a prefix, replacing one under the same key (a collision: the newer wins); returns false (and frees it) if
     * it cannot fit.
     */
    boolean put(KvPrefix prefix) {
        remove(prefix.key());
        if (!fits(prefix.bytes())) {
            prefix.close();
            evictions++;
            return false;
        }
        Iterator<KvPrefix> oldestFirst = byKey.values().iterator();
        while (bytes + prefix.bytes() > budgetBytes && oldestFirst.hasNext()) {
            KvPrefix oldest = oldestFirst.next();
            oldestFirst.remove();
            bytes -= oldest.bytes();
            oldest.close();
            evictions++;
        }
        byKey.put(prefix.key(), prefix);
        bytes += prefix.bytes();
        return true;
    }

    /** Counts a prefix not taken because it could not fit the budget. */
    void refuse() {
        evictions++;
    }

    /** Drops and frees the prefix under this key, if any (one llama.cpp refused to restore). */
    void remove(long key) {
        KvPrefix old = byKey.remove(key);
        if (old != null) {
            bytes -= old.bytes();
            old.close();
        }
    }

    long bytes() {
        return bytes;
    }

    long budgetBytes() {
        return budgetBytes;
    }

    int count() {
        return byKey.size();
    }

    /** Prefixes dropped to make room, or too large to keep. */
    long evictions() {
        return evictions;
    }

    @Override
    public void close() {
        byKey.values().forEach(KvPrefix::close);
        byKey.clear();
        bytes = 0;
    }
}
