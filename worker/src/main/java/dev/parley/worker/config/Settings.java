package dev.parley.worker.config;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;

/**
 * Resolved, validated settings: defaults, overridden by a properties file, by {@code PARLEY_*} environment variables,
 * then by flags. Build with {@link SettingsLoader}; in code, {@link WorkerConfig#builder()} builds one too.
 */
public final class Settings {

    private final Map<Setting, Object> values;
    private final Map<String, String> kafka;
    private final Map<RedisOption, String> redis;

    Settings(Map<Setting, Object> values, Map<String, String> kafka, Map<RedisOption, String> redis) {
        this.values = new EnumMap<>(values);
        this.kafka = Map.copyOf(kafka);
        this.redis = Map.copyOf(redis);
    }

    /** The value (of the setting's type), or {@code null} when the setting has no value and no default. */
    public Object get(Setting setting) {
        return values.get(setting);
    }

    public String text(Setting setting) {
        return (String) values.get(setting);
    }

    public int integer(Setting setting) {
        return (Integer) values.get(setting);
    }

    public long bytes(Setting setting) {
        return (Long) values.get(setting);
    }

    public boolean bool(Setting setting) {
        return (Boolean) values.get(setting);
    }

    public Duration duration(Setting setting) {
        return (Duration) values.get(setting);
    }

    public boolean has(Setting setting) {
        return values.get(setting) != null;
    }

    /** Kafka client properties passed through to every Kafka client. */
    public Map<String, String> kafka() {
        return kafka;
    }

    /** Redis connection options. */
    public Map<RedisOption, String> redis() {
        return redis;
    }

    /** The values by setting, for {@link WorkerConfig.Builder}. */
    Map<Setting, Object> values() {
        return values;
    }

    /** The worker configuration these settings describe. */
    public WorkerConfig workerConfig() {
        return new WorkerConfig.Builder(this).build();
    }
}
