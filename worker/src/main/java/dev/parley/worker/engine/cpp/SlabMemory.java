package dev.parley.worker.engine.cpp;

import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Snapshot buffers carved out of large slabs of another memory's buffers, so a snapshot does not allocate memory of
 * its own. Page-locking host memory is what makes a snapshot's copy fast (on an H100 host, 2026-12-07: 86 MiB in
 * 1.9 ms into reused page-locked memory against 7.4 ms into reused plain memory), but {@code cudaMallocHost} itself
 * took 47 ms for those 86 MiB, and a conversation's snapshot grows by a turn each time it is taken, so the buffer a
 * returning conversation gives back rarely fits the next one evicted: in run 9's warm workload 594 of 738 snapshots
 * allocated, and a snapshot took 36.6 ms on the engine thread with the device idle. Any range a slab gets back is
 * reused by any later snapshot that fits, so slabs are allocated far less often than snapshots: in the same
 * workload 70 slabs served 590 snapshots, and a snapshot took 26.4 ms (the rest is page-locking those slabs: growing
 * snapshots leave ranges a turn too small, so the slabs grow to about twice the snapshots held).
 *
 * <p>A slab is {@code slabBytes} (or a quarter of {@code maxBytes}, if less), and four times the request when that is
 * more, so large snapshots share slabs too. Slabs are held up to {@code maxBytes} together (the snapshot budget: the
 * snapshots they hold are within it, less what fragments); past it, an empty slab is freed first, and then a buffer
 * comes straight from the source (so at worst, slabs fragmented past use, twice the budget is held). One empty slab
 * is kept for the next snapshot; others are freed when they empty. Thread-safe: a buffer may be freed on the disk
 * tier's writer thread.
 *
 * <p>The engine uses slabs on a GPU only. On the CPU (2-core AMD EPYC, 2026-12-07, the warm workload of 16
 * conversations, two runs each) slabs of plain memory took a snapshot from 11.0-11.5 to 8.0-8.8 ms, a sliver of a
 * 175 s run whose tokens/s did not move (13.2 against 13.5), and raised the peak RSS from 822-826 to 899-972 MiB.
 */
final class SlabMemory implements SnapshotMemory {

    private static final Logger log = LoggerFactory.getLogger(SlabMemory.class);
    /**
     * The smallest slab, unless a quarter of the budget is less: page-locking costs about 0.55 ms per MiB on an H100
     * host, so a slab of 256 MiB holds a dozen snapshots of a 1B model's 600-token conversation for one 140 ms
     * allocation.
     */
    static final long SLAB_BYTES = 256L << 20;
    /** Ranges are aligned to pages: each starts where a copy engine writes well, and no two share a page. */
    static final long ALIGN = 4096;
    private static final int SLAB_PER_REQUEST = 4;
    /** A small budget still gets slabs: a quarter of it at least. */
    private static final int SLABS_IN_BUDGET = 4;

    private final SnapshotMemory source;
    private final long slabBytes;
    private final long maxBytes;
    private final List<Slab> slabs = new ArrayList<>();
    private long slabTotal;
    private long slabsAllocated;
    private long carved;
    private long direct;
    private boolean closed;

    /**
     * @param source    where slabs (and, past {@code maxBytes}, single buffers) come from
     * @param slabBytes the smallest slab
     * @param maxBytes  the most bytes of slabs held together
     */
    SlabMemory(SnapshotMemory source, long slabBytes, long maxBytes) {
        if (slabBytes < ALIGN || maxBytes < 0) {
            throw new IllegalArgumentException("slabs of at least " + ALIGN + " bytes, got " + slabBytes
                    + ", and a non-negative limit, got " + maxBytes);
        }
        this.source = source;
        this.slabBytes = slabBytes;
        this.maxBytes = maxBytes;
    }

    @Override
    public synchronized SnapshotBuffer allocate(long capacity) {
        long size = align(capacity);
        for (Slab slab : slabs) {
            long offset = slab.ranges.take(size);
            if (offset >= 0) {
                return carve(slab, offset, size);
            }
        }
        long slabSize = Math.max(align(size * SLAB_PER_REQUEST),
                Math.min(slabBytes, align(maxBytes / SLABS_IN_BUDGET)));
        freeEmptySlabsWhileOver(maxBytes - slabSize);
        if (closed || slabTotal + slabSize > maxBytes) {
            direct++;
            return source.allocate(capacity);
        }
        Slab slab = new Slab(source.allocate(slabSize), slabSize);
        slabs.add(slab);
        slabTotal += slabSize;
        slabsAllocated++;
        return carve(slab, slab.ranges.take(size), size);
    }

    private SnapshotBuffer carve(Slab slab, long offset, long size) {
        carved++;
        slab.used += size;
        return new SnapshotBuffer(slab.backing.pointer().share(offset, size), size, () -> giveBack(slab, offset, size));
    }

    private synchronized void giveBack(Slab slab, long offset, long size) {
        slab.ranges.put(offset, size);
        slab.used -= size;
        if (slab.used == 0 && (closed || slabs.stream().anyMatch(other -> other != slab && other.used == 0))) {
            free(slab); // one empty slab is enough to keep
        }
    }

    private void freeEmptySlabsWhileOver(long limit) {
        for (Slab slab : List.copyOf(slabs)) {
            if (slabTotal <= limit) {
                return;
            }
            if (slab.used == 0) {
                free(slab);
            }
        }
    }

    private void free(Slab slab) {
        slabs.remove(slab);
        slabTotal -= slab.size;
        slab.backing.free();
    }

    static long align(long bytes) {
        return (bytes + ALIGN - 1) / ALIGN * ALIGN;
    }

    /** Bytes of slabs held now. */
    synchronized long slabBytesHeld() {
        return slabTotal;
    }

    /** Slabs allocated so far. */
    synchronized long slabsAllocated() {
        return slabsAllocated;
    }

    /** Buffers carved out of slabs so far. */
    synchronized long carved() {
        return carved;
    }

    /** Buffers allocated straight from the source, past the limit, so far. */
    synchronized long direct() {
        return direct;
    }

    /** Frees the empty slabs; the others are freed when their last buffer is. */
    @Override
    public synchronized void close() {
        if (!closed && carved + direct > 0) {
            log.info("Snapshots in slabs: {} slabs allocated, {} MiB held at close, {} buffers carved, {} past the "
                    + "limit of {} MiB", slabsAllocated, slabTotal >> 20, carved, direct, maxBytes >> 20);
        }
        closed = true;
        freeEmptySlabsWhileOver(-1);
    }

    /** One slab: its memory, its free ranges, and the bytes carved out of it now. */
    private static final class Slab {
        final SnapshotBuffer backing;
        final long size;
        final FreeRanges ranges;
        long used;

        Slab(SnapshotBuffer backing, long size) {
            this.backing = backing;
            this.size = size;
            this.ranges = new FreeRanges(size);
        }
    }
}
