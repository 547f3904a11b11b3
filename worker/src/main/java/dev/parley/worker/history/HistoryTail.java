package dev.parley.worker.history;

import java.util.List;
import java.util.function.ToLongFunction;

/**
 * The newest turns of a conversation, as a turn reads them.
 *
 * @param entries   the turns read, oldest first; their turn numbers run up to {@code turnCount}
 * @param turnCount turns the conversation has had, including those no longer stored or not read: the next turn is
 *                  number {@code turnCount + 1}
 * @param system    the system prompt in force (the last one a turn carried), or {@code null}; kept even when the
 *                  turn that carried it was dropped
 */
public record HistoryTail(List<HistoryEntry> entries, int turnCount, String system) {

    public static final HistoryTail EMPTY = new HistoryTail(List.of(), 0, null);

    public HistoryTail {
        entries = List.copyOf(entries);
        if (turnCount < entries.size()) {
            throw new IllegalArgumentException(
                    "a tail of " + entries.size() + " turns cannot come from " + turnCount + " turns");
        }
    }

    /** Earlier turns not in {@link #entries()} (dropped by the store's bound or not read). */
    public int earlierTurns() {
        return turnCount - entries.size();
    }

    /**
     * Cuts a whole history down to the tail that {@code budget} allows, measuring each turn with {@code size} (for
     * stores that keep everything; the turn count is then the newest turn's number).
     */
    public static HistoryTail of(List<HistoryEntry> all, TailBudget budget, ToLongFunction<HistoryEntry> size) {
        String system = null;
        for (int i = all.size() - 1; system == null && i >= 0; i--) {
            system = all.get(i).system();
        }
        int turnCount = all.isEmpty() ? 0 : all.get(all.size() - 1).turn();
        int from = all.size();
        long bytes = 0;
        while (from > 0 && all.size() - from < budget.maxTurns()) {
            long next = size.applyAsLong(all.get(from - 1));
            if (bytes + next > budget.maxBytes()) {
                break;
            }
            bytes += next;
            from--;
        }
        return new HistoryTail(all.subList(from, all.size()), turnCount, system);
    }
}
