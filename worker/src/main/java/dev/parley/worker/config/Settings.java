package dev.parley.worker.config;

import dev.parley.worker.dispatch.LanePolicy;
import dev.parley.worker.quota.QuotaLimit;
import dev.parley.worker.quota.QuotaSettings;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;

/**
 * Resolved, validated settings: defaults, overridden by a properties file, by {@code PARLEY_*} environment variables,
 * then by flags. Build with {@link SettingsLoader}.
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

    /** The value, or {@code null} when the setting has no value and no default. */
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

    @SuppressWarnings("unchecked")
    private QuotaSettings quotas() {
        return new QuotaSettings(has(Setting.QUOTA_TENANTS) ? (Map<String, QuotaLimit>) get(Setting.QUOTA_TENANTS)
                : Map.of(), has(Setting.QUOTA_DEFAULT) ? (QuotaLimit) get(Setting.QUOTA_DEFAULT) : QuotaLimit.UNLIMITED);
    }

    /** The worker configuration these settings describe. */
    public WorkerConfig workerConfig() {
        WorkerConfig.Builder builder = WorkerConfig.builder()
                .bootstrapServers(text(Setting.BOOTSTRAP))
                .redisUri(text(Setting.REDIS))
                .promptsTopic(text(Setting.PROMPTS_TOPIC))
                .repliesTopic(text(Setting.REPLIES_TOPIC))
                .deadLetterTopic(text(Setting.DLQ_TOPIC))
                .controlTopic(text(Setting.CONTROL_TOPIC))
                .createTopics(bool(Setting.CREATE_TOPICS))
                .partitions(integer(Setting.PARTITIONS))
                .replicationFactor(integer(Setting.REPLICATION_FACTOR))
                .groupId(text(Setting.GROUP_ID))
                .groupInstanceId(text(Setting.GROUP_INSTANCE_ID))
                .maxBufferedRecords(integer(Setting.MAX_BUFFERED))
                .maxInFlight(integer(Setting.MAX_IN_FLIGHT))
                .maxPromptBytes(integer(Setting.MAX_PROMPT_BYTES))
                .defaultMaxTokens(integer(Setting.DEFAULT_MAX_TOKENS))
                .turnAttempts(integer(Setting.TURN_ATTEMPTS))
                .shutdownGrace(duration(Setting.SHUTDOWN_GRACE))
                .revokeGrace(duration(Setting.REVOKE_GRACE))
                .commitInterval(duration(Setting.COMMIT_INTERVAL))
                .relayMaxBlock(duration(Setting.RELAY_MAX_BLOCK))
                .maxForwardHops(integer(Setting.MAX_FORWARD_HOPS))
                .historyTtl(duration(Setting.HISTORY_TTL))
                .historyMaxTurns(integer(Setting.HISTORY_MAX_TURNS))
                .historyMaxBytes(bytes(Setting.HISTORY_MAX_BYTES))
                .idempotencyWindow(integer(Setting.IDEMPOTENCY_WINDOW))
                .deadLetterMaxPayloadBytes(integer(Setting.DLQ_MAX_PAYLOAD_BYTES))
                .stallTimeout(duration(Setting.STALL_TIMEOUT))
                .unhealthyExitAfter(duration(Setting.UNHEALTHY_EXIT_AFTER))
                .lanes(new LanePolicy(duration(Setting.BATCH_AGING), 0))
                .quotas(quotas())
                .cancelQueue(integer(Setting.CANCEL_QUEUE))
                .redisOptions(redis);
        if (has(Setting.REPLY_TO_PREFIXES)) {
            @SuppressWarnings("unchecked")
            java.util.List<String> prefixes = (java.util.List<String>) get(Setting.REPLY_TO_PREFIXES);
            builder.replyToPrefixes(prefixes);
        }
        if (has(Setting.WORKER_ID)) {
            builder.workerId(text(Setting.WORKER_ID));
        }
        kafka.forEach(builder::kafka);
        return builder.build();
    }
}
