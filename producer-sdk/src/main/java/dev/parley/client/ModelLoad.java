package dev.parley.client;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The work waiting for one model across its pool, summed over the load its workers announce on the models topic
 * (each worker's latest report, if not older than a few load intervals).
 *
 * @param model               the model
 * @param waitingTurns        turns waiting at the workers (queued, buffered, waiting for a slot) plus records on their
 *                            partitions not read yet
 * @param waitingPromptTokens the prompt tokens of the queued turns, estimated from their text (characters / 4)
 * @param runningTurns        turns generating now
 * @param freeSlots           slots not generating, over the workers that announce their slots
 * @param tokensPerSecond     tokens generated per second, recently, by the whole pool
 * @param turnsPerSecond      turns finished per second, recently, by the whole pool
 * @param tenantWaitingTurns  waiting turns by tenant, for the tenants each worker lists as its busiest (a tenant not
 *                            listed has few or none)
 * @param workers             the workers whose load is summed
 * @param measuredAt          the oldest of their reports
 */
public record ModelLoad(String model, long waitingTurns, long waitingPromptTokens, long runningTurns, long freeSlots,
                        double tokensPerSecond, double turnsPerSecond, Map<String, Long> tenantWaitingTurns,
                        int workers, Instant measuredAt) {

    public ModelLoad {
        Objects.requireNonNull(model, "model");
        tenantWaitingTurns = Map.copyOf(tenantWaitingTurns);
        Objects.requireNonNull(measuredAt, "measuredAt");
    }

    /** The waiting turns of {@code tenant} (0 when no worker lists it). */
    public long waitingTurnsOf(String tenant) {
        return tenant == null ? 0 : tenantWaitingTurns.getOrDefault(tenant, 0L);
    }

    /**
     * How long {@code turns} more turns take to drain at the recent rate, or empty while the pool finished nothing
     * recently (no rate to go by).
     */
    public Optional<Duration> timeToFinish(long turns) {
        if (turnsPerSecond <= 0) {
            return Optional.empty();
        }
        return Optional.of(Duration.ofMillis((long) Math.ceil(Math.max(0, turns) * 1000 / turnsPerSecond)));
    }
}
