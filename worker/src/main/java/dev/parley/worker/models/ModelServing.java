package dev.parley.worker.models;

import dev.parley.worker.config.WorkerConfig;
import dev.parley.worker.engine.EngineInfo;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * How a worker offers its one model to the pool, as configured: under which name, on which topic, announced where.
 * {@link #resolve} turns it into the {@link ServedModel} of a loaded engine.
 *
 * @param name             the served name, or {@code null} for the engine's model name (the file name without .gguf)
 * @param topic            whether the model shares the configured prompts topic or has its own
 * @param modelsTopic      the compacted topic announcements go to
 * @param announceInterval how often the announcement is renewed; it expires after {@link #EXPIRY_INTERVALS} of them
 * @param loadInterval     how often the worker's load is published between renewals ({@link Duration#ZERO}: only
 *                         with them)
 */
public record ModelServing(String name, Topic topic, String modelsTopic, Duration announceInterval,
                           Duration loadInterval) {

    public static final String DEFAULT_MODELS_TOPIC = "parley.models";
    public static final Duration DEFAULT_ANNOUNCE_INTERVAL = Duration.ofSeconds(30);
    /** Senders refuse work on figures at most this old (plus their own refresh): seconds, not the minutes of renewal. */
    public static final Duration DEFAULT_LOAD_INTERVAL = Duration.ofSeconds(2);
    /** Renewals an announcement outlives: a worker restarting, or riding out a short broker outage, stays listed. */
    public static final int EXPIRY_INTERVALS = 10;

    /** Today's single-model pool: the engine's name, the configured prompts topic and group. */
    public static final ModelServing DEFAULT = new ModelServing(null, Topic.SHARED, DEFAULT_MODELS_TOPIC,
            DEFAULT_ANNOUNCE_INTERVAL);

    /** Where a model's prompts are consumed. */
    public enum Topic {
        /** The configured prompts topic and group, as in a single-model pool; prompts may name no model. */
        SHARED,
        /** {@code <prompts-topic>.<name>} in group {@code <group-id>.<name>}: one topic and group per model. */
        OWN;

        /** Parses {@code shared} or {@code own}. */
        public static Topic parse(String value) {
            return switch (value.strip().toLowerCase(Locale.ROOT)) {
                case "shared" -> SHARED;
                case "own" -> OWN;
                default -> throw new IllegalArgumentException("model-topic must be shared or own, got '" + value + "'");
            };
        }
    }

    public ModelServing {
        if (name != null) {
            ModelNames.require("model-name", name);
        }
        Objects.requireNonNull(topic, "topic");
        if (modelsTopic == null || !modelsTopic.matches("[a-zA-Z0-9._-]{1,249}")) {
            throw new IllegalArgumentException("models-topic must be a Kafka topic name, got '" + modelsTopic + "'");
        }
        if (announceInterval == null || announceInterval.isNegative() || announceInterval.isZero()) {
            throw new IllegalArgumentException("model-announce-interval must be positive, got " + announceInterval);
        }
        if (loadInterval == null || loadInterval.isNegative()) {
            throw new IllegalArgumentException("model-load-interval must be >= 0, got " + loadInterval);
        }
    }

    /** Served with its load published every {@link #DEFAULT_LOAD_INTERVAL}. */
    public ModelServing(String name, Topic topic, String modelsTopic, Duration announceInterval) {
        this(name, topic, modelsTopic, announceInterval, DEFAULT_LOAD_INTERVAL);
    }

    /** The same, publishing its load every {@code interval} ({@link Duration#ZERO}: only with each renewal). */
    public ModelServing withLoadInterval(Duration interval) {
        return new ModelServing(name, topic, modelsTopic, announceInterval, interval);
    }

    /** The same, served under {@code name}. */
    public ModelServing named(String name) {
        return new ModelServing(name, topic, modelsTopic, announceInterval, loadInterval);
    }

    /** The same, announced on {@code topic}. */
    public ModelServing withModelsTopic(String topic) {
        return new ModelServing(name, this.topic, topic, announceInterval, loadInterval);
    }

    /** The same, on the model's own topic and group. */
    public ModelServing ownTopic() {
        return new ModelServing(name, Topic.OWN, modelsTopic, announceInterval, loadInterval);
    }

    /** The served model of a worker with this configuration and engine. */
    public ServedModel resolve(WorkerConfig config, EngineInfo engine) {
        String served = name != null ? name : ModelNames.sanitize(engine.model());
        String promptsTopic = topic == Topic.OWN ? config.promptsTopic() + "." + served : config.promptsTopic();
        String groupId = topic == Topic.OWN ? config.groupId() + "." + served : config.groupId();
        if (promptsTopic.length() > 249) {
            throw new IllegalArgumentException("the model's own topic '" + promptsTopic + "' is longer than Kafka's"
                    + " 249 characters; shorten prompts-topic or model-name");
        }
        return new ServedModel(served, engine.model(), promptsTopic, groupId, modelsTopic, announceInterval,
                loadInterval);
    }
}
