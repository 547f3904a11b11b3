package dev.parley.schemas;

import java.util.List;
import java.util.Objects;

/**
 * How much work waits at one worker for its model, as it announces it (the {@code load} of a
 * {@link ModelAnnouncement}, renewed every load interval): what senders need to refuse a request that would wait past
 * its deadline instead of queueing it.
 *
 * @param waitingTurns        turns read and not yet generating: queued behind their conversation or a free place,
 *                            buffered by intake, or handed to the engine and waiting for a slot
 * @param waitingPromptTokens the prompt size of the queued turns, estimated from their text (characters / 4: the
 *                            worker tokenizes a prompt only when its turn starts)
 * @param unreadRecords       records on the worker's partitions not read yet (the consumer's lag as of its last
 *                            fetch)
 * @param runningTurns        turns generating now
 * @param tokensPerSecond     tokens generated per second, recently (0 while nothing ran)
 * @param turnsPerSecond      turns finished per second, recently (0 while nothing ran)
 * @param tenants             waiting turns of the busiest tenants, most waiting first, at most {@link #MAX_TENANTS}
 */
public record WorkerLoad(
        int waitingTurns,
        long waitingPromptTokens,
        long unreadRecords,
        int runningTurns,
        double tokensPerSecond,
        double turnsPerSecond,
        List<TenantLoad> tenants) {

    /** Tenants listed at most: the announcement stays small whatever the number of tenants. */
    public static final int MAX_TENANTS = 8;

    /** Nothing waiting, nothing running. */
    public static final WorkerLoad IDLE = new WorkerLoad(0, 0, 0, 0, 0, 0, List.of());

    public WorkerLoad {
        require(waitingTurns >= 0, "waiting_turns must be >= 0, got " + waitingTurns);
        require(waitingPromptTokens >= 0, "waiting_prompt_tokens must be >= 0, got " + waitingPromptTokens);
        require(unreadRecords >= 0, "unread_records must be >= 0, got " + unreadRecords);
        require(runningTurns >= 0, "running_turns must be >= 0, got " + runningTurns);
        require(tokensPerSecond >= 0, "tokens_per_second must be >= 0, got " + tokensPerSecond);
        require(turnsPerSecond >= 0, "turns_per_second must be >= 0, got " + turnsPerSecond);
        tenants = tenants == null ? List.of() : List.copyOf(tenants);
        require(tenants.size() <= MAX_TENANTS, "tenants lists at most " + MAX_TENANTS + ", got " + tenants.size());
    }

    /** Turns waiting at this worker or on its partitions, read or not. */
    public long queuedTurns() {
        return waitingTurns + unreadRecords;
    }

    /**
     * One tenant's waiting turns at this worker.
     *
     * @param tenant       the tenant as prompts name it
     * @param waitingTurns its turns waiting
     */
    public record TenantLoad(String tenant, int waitingTurns) {
        public TenantLoad {
            Objects.requireNonNull(tenant, "tenant");
            require(waitingTurns >= 0, "waiting_turns must be >= 0, got " + waitingTurns);
        }
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
