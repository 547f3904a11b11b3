package dev.parley.worker.ops;

/**
 * Whether a worker can do its job now.
 *
 * @param modelLoaded    the engine is loaded
 * @param groupJoined    the consumer joined its group and got an assignment (possibly empty: more workers than
 *                       partitions is fine)
 * @param redisReachable the history store answers
 * @param brokerConnected the consumer holds a connection to a broker
 * @param healthy        every part of the worker lives and makes progress (see /health)
 */
public record Readiness(boolean modelLoaded, boolean groupJoined, boolean redisReachable, boolean brokerConnected,
                        boolean healthy) {

    public boolean ready() {
        return modelLoaded && groupJoined && redisReachable && brokerConnected && healthy;
    }
}
