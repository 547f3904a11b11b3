package dev.parley.worker.models;

import dev.parley.worker.config.WorkerConfig;
import java.time.Duration;

/**
 * The model one worker serves, resolved: its name, the topic and group its prompts are consumed from, and where it is
 * announced.
 *
 * @param name             what prompts name in {@code $.model} and replies report
 * @param modelFile        the engine's model (file name without .gguf), for operators
 * @param promptsTopic     the topic this worker consumes
 * @param groupId          its consumer group
 * @param modelsTopic      where it announces itself
 * @param announceInterval how often it renews the announcement
 * @param loadInterval     how often it publishes its load between renewals ({@link Duration#ZERO}: only with them)
 */
public record ServedModel(String name, String modelFile, String promptsTopic, String groupId, String modelsTopic,
                          Duration announceInterval, Duration loadInterval) {

    /** A model announced with its load as often as {@link ModelServing#DEFAULT_LOAD_INTERVAL}. */
    public ServedModel(String name, String modelFile, String promptsTopic, String groupId, String modelsTopic,
                       Duration announceInterval) {
        this(name, modelFile, promptsTopic, groupId, modelsTopic, announceInterval,
                ModelServing.DEFAULT_LOAD_INTERVAL);
    }

    /** {@code config} consuming this model's topic in its group. */
    public WorkerConfig applyTo(WorkerConfig config) {
        if (config.promptsTopic().equals(promptsTopic) && config.groupId().equals(groupId)) {
            return config;
        }
        return config.newBuilder().promptsTopic(promptsTopic).groupId(groupId).build();
    }

    /** How long an announcement counts without renewal. */
    public Duration announcementLifetime() {
        return announceInterval.multipliedBy(ModelServing.EXPIRY_INTERVALS);
    }
}
