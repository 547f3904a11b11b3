package dev.parley.worker.engine.cpp;

import java.util.Map;
import java.util.TreeMap;

/**
 * The free ranges of one slab ({@link SlabMemory}): taken first fit, given back merged with their free neighbours,
 * so a slab whose buffers all came back is one free range again. Not thread-safe: its slab memory locks.
 */
final class FreeRanges {

    /** Offset to length, no two adjacent (they are merged). */
    private final TreeMap<Long, Long> free = new TreeMap<>();

    FreeRanges(long size) {
        free.put(0L, size);
    }

    /** The offset of a range of {@code size} bytes now taken, the lowest that fits, or -1 if none does. */
    long take(long size) {
        long offset = -1;
        long length = 0;
        for (Map.Entry<Long, Long> range : free.entrySet()) {
            if (range.getValue() >= size) {
                offset = range.getKey(); // read before the map changes: TreeMap reuses a removed entry's node
                length = range.getValue();
                break;
            }
        }
        if (offset >= 0) {
            free.remove(offset);
            if (length > size) {
                free.put(offset + size, length - size);
            }
        }
        return offset;
    }

    /** Gives a taken range back, merged with a free range just before or after it. */
    void put(long offset, long size) {
        long start = offset;
        long length = size;
        Map.Entry<Long, Long> before = free.floorEntry(offset);
        if (before != null && before.getKey() + before.getValue() > offset) {
            throw new IllegalStateException("range at " + offset + " given back twice");
        }
        if (before != null && before.getKey() + before.getValue() == offset) {
            start = before.getKey();
            length += before.getValue();
            free.remove(start);
        }
        Map.Entry<Long, Long> next = free.higherEntry(offset);
        if (next != null && next.getKey() < offset + size) {
            throw new IllegalStateException("range at " + offset + " overlaps a free range");
        }
        Long after = free.get(offset + size);
        if (after != null) {
            length += after;
            free.remove(offset + size);
        }
        free.put(start, length);
    }
}
