package dev.parley.worker.dispatch;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Tracks one partition's records from receipt to done, and says what may be committed: the highest offset below
 * which every record is done. A slow conversation holds the commit point; records after it that are already done
 * are listed in the commit metadata ({@link #doneAboveCommitPoint()}), so a restart can skip them.
 *
 * <p>Used by the poll thread only.
 */
public final class OffsetTracker {

    /** Commit metadata must stay under the broker's {@code offset.metadata.max.bytes} (4096 by default). */
    static final int MAX_METADATA_CHARS = 3000;
    private static final String METADATA_PREFIX = "parley-done:v1:";

    private final TreeSet<Long> pending = new TreeSet<>();
    private final TreeSet<Long> doneAbove = new TreeSet<>();
    private long nextExpected = -1;

    /**
     * Notes a record as received; false, and nothing changes, for an offset at or below one already tracked (the
     * consumer's position was reset and records come again: each is in flight or done already).
     */
    public boolean track(long offset) {
        if (offset < nextExpected) {
            return false;
        }
        pending.add(offset);
        nextExpected = offset + 1;
        return true;
    }

    /** Notes a record as done; done records that are not tracked (a revoked partition's) are ignored. */
    public void markDone(long offset) {
        if (pending.remove(offset)) {
            doneAbove.add(offset);
            doneAbove.headSet(commitPoint()).clear();
        }
    }

    /** The offset to commit: the first not-done record, or the next one when all are done; -1 before any record. */
    public long commitPoint() {
        if (!pending.isEmpty()) {
            return pending.first();
        }
        return nextExpected;
    }

    /** The offset after the last one tracked, or -1 before any record. */
    public long nextExpected() {
        return nextExpected;
    }

    /** Records received and not done yet. */
    public int pendingCount() {
        return pending.size();
    }

    /** Offsets beyond the commit point that are done already. */
    public List<Long> doneAboveCommitPoint() {
        return new ArrayList<>(doneAbove.tailSet(commitPoint(), false));
    }

    /**
     * Commit metadata listing the done offsets above the commit point, as deltas from it; cut short (safely: a
     * missing entry only means redoing that record, which the history deduplicates) to fit the broker's limit.
     */
    public String commitMetadata() {
        long base = commitPoint();
        StringBuilder text = new StringBuilder(METADATA_PREFIX);
        boolean first = true;
        for (long offset : doneAbove.tailSet(base, false)) {
            String delta = Long.toString(offset - base);
            if (text.length() + delta.length() + 1 > MAX_METADATA_CHARS) {
                break;
            }
            if (!first) {
                text.append(',');
            }
            text.append(delta);
            first = false;
        }
        return first ? "" : text.toString();
    }

    /** Offsets a commit's metadata lists as done (empty for foreign or missing metadata). */
    public static Set<Long> parseDone(long committedOffset, String metadata) {
        Set<Long> done = new TreeSet<>();
        if (metadata == null || !metadata.startsWith(METADATA_PREFIX)) {
            return done;
        }
        String body = metadata.substring(METADATA_PREFIX.length());
        if (body.isEmpty()) {
            return done;
        }
        for (String delta : body.split(",")) {
            try {
                done.add(committedOffset + Long.parseLong(delta));
            } catch (NumberFormatException e) {
                return new TreeSet<>(); // unreadable: redo everything, which is always safe
            }
        }
        return done;
    }
}
