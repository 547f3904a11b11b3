package dev.parley.worker.config;

import dev.parley.worker.dispatch.LanePolicy;
import dev.parley.worker.quota.QuotaLimit;
import dev.parley.worker.quota.QuotaSettings;
import java.time.Duration;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything a worker needs besides its engine: a typed view over {@link Settings}. Each value, its default and the
 * rule it must keep come from its {@link Setting}; this class only names them. Immutable; build with
 * {@link #builder()}, whose setters reject bad values with a message naming the setting and the value.
 */
public final class WorkerConfig {

    /** Topics and group of a default installation (their settings' defaults), for the commands that prepare one. */
    public static final String DEFAULT_PROMPTS_TOPIC = "parley.prompts";
    public static final String DEFAULT_REPLIES_TOPIC = "parley.replies";
    public static final String DEFAULT_DEAD_LETTER_TOPIC = "parley.dlq";
    public static final String DEFAULT_CONTROL_TOPIC = "parley.control";
    public static final String DEFAULT_GROUP_ID = "parley-workers";

    private final Settings settings;
    private final String workerId;
    private final int interactiveReserve;

    private WorkerConfig(Builder b) {
        for (Setting required : Setting.REQUIRED) {
            if (b.values.get(required) == null) {
                throw new IllegalArgumentException(required.key() + " is required");
            }
        }
        this.settings = new Settings(b.values, b.kafka, b.redisOptions);
        this.workerId = settings.has(Setting.WORKER_ID) ? settings.text(Setting.WORKER_ID) : defaultWorkerId();
        this.interactiveReserve = b.interactiveReserve;
    }

    public static Builder builder() {
        return new Builder();
    }

    private static String defaultWorkerId() {
        String host = System.getenv().getOrDefault("HOSTNAME", "worker");
        return host + "-" + ProcessHandle.current().pid();
    }

    /** All values, by setting: what a setting without a named accessor here is read from. */
    public Settings settings() { return settings; }

    public String bootstrapServers() { return settings.text(Setting.BOOTSTRAP); }
    public String redisUri() { return settings.text(Setting.REDIS); }
    public String promptsTopic() { return settings.text(Setting.PROMPTS_TOPIC); }
    public String repliesTopic() { return settings.text(Setting.REPLIES_TOPIC); }
    public String deadLetterTopic() { return settings.text(Setting.DLQ_TOPIC); }
    /** Topic of cancel requests, read by every worker. */
    public String controlTopic() { return settings.text(Setting.CONTROL_TOPIC); }
    public String groupId() { return settings.text(Setting.GROUP_ID); }
    /** Static membership id, or {@code null} for dynamic membership. */
    public String groupInstanceId() { return settings.text(Setting.GROUP_INSTANCE_ID); }
    /** The worker's name; default: host-pid. */
    public String workerId() { return workerId; }
    public boolean createTopics() { return settings.bool(Setting.CREATE_TOPICS); }
    public int partitions() { return settings.integer(Setting.PARTITIONS); }
    /** Replication factor of created topics; -1 means the broker's default. */
    public short replicationFactor() { return (short) settings.integer(Setting.REPLICATION_FACTOR); }
    public int maxBufferedRecords() { return settings.integer(Setting.MAX_BUFFERED); }
    /** Turns run at once; 0 means one per engine slot. */
    public int maxInFlight() { return settings.integer(Setting.MAX_IN_FLIGHT); }
    public int maxPromptBytes() { return settings.integer(Setting.MAX_PROMPT_BYTES); }
    public int defaultMaxTokens() { return settings.integer(Setting.DEFAULT_MAX_TOKENS); }
    public int turnAttempts() { return settings.integer(Setting.TURN_ATTEMPTS); }
    public Duration shutdownGrace() { return settings.duration(Setting.SHUTDOWN_GRACE); }
    public Duration revokeGrace() { return settings.duration(Setting.REVOKE_GRACE); }
    public Duration commitInterval() { return settings.duration(Setting.COMMIT_INTERVAL); }
    public Duration relayMaxBlock() { return settings.duration(Setting.RELAY_MAX_BLOCK); }
    public int maxForwardHops() { return settings.integer(Setting.MAX_FORWARD_HOPS); }
    /** How long an idle conversation's history is kept; zero keeps it forever. */
    public Duration historyTtl() { return settings.duration(Setting.HISTORY_TTL); }
    /** Turns kept per conversation; older ones are dropped. */
    public int historyMaxTurns() { return settings.integer(Setting.HISTORY_MAX_TURNS); }
    /** Bytes of stored turns kept per conversation, and again of stored replies. */
    public long historyMaxBytes() { return settings.bytes(Setting.HISTORY_MAX_BYTES); }
    /** Request ids per conversation whose replies are kept, so that their redeliveries are not generated again. */
    public int idempotencyWindow() { return settings.integer(Setting.IDEMPOTENCY_WINDOW); }
    /** The most original bytes a dead letter carries. */
    public int deadLetterMaxPayloadBytes() { return settings.integer(Setting.DLQ_MAX_PAYLOAD_BYTES); }
    /** How long a busy part may show no progress before the worker is unhealthy. */
    public Duration stallTimeout() { return settings.duration(Setting.STALL_TIMEOUT); }
    /** How long a worker process stays unhealthy before it exits. */
    public Duration unhealthyExitAfter() { return settings.duration(Setting.UNHEALTHY_EXIT_AFTER); }
    /** Cancels held for Redis while it is away ({@code cancel-queue}); past that the oldest is not stored. */
    public int cancelQueue() { return settings.integer(Setting.CANCEL_QUEUE); }
    /** Extra Kafka client properties, applied to the consumer, producer and admin client. */
    public Map<String, String> kafka() { return settings.kafka(); }
    /** Redis connection options beyond the URI. */
    public Map<RedisOption, String> redisOptions() { return settings.redis(); }

    /** How interactive and batch turns share the places ({@code batch-aging}; the worker sets the reserve). */
    public LanePolicy lanes() {
        return new LanePolicy(settings.duration(Setting.BATCH_AGING), interactiveReserve);
    }

    /** Token quotas by tenant ({@code quota-tenants}, {@code quota-default}). */
    @SuppressWarnings("unchecked")
    public QuotaSettings quotas() {
        Map<String, QuotaLimit> tenants = (Map<String, QuotaLimit>) settings.get(Setting.QUOTA_TENANTS);
        QuotaLimit fallback = (QuotaLimit) settings.get(Setting.QUOTA_DEFAULT);
        return new QuotaSettings(tenants == null ? Map.of() : tenants, fallback == null ? QuotaLimit.UNLIMITED : fallback);
    }

    /** Prefixes a prompt's reply_to topic must start with ({@code reply-to-prefixes}); empty: any topic. */
    @SuppressWarnings("unchecked")
    public List<String> replyToPrefixes() {
        return settings.has(Setting.REPLY_TO_PREFIXES) ? (List<String>) settings.get(Setting.REPLY_TO_PREFIXES) : List.of();
    }

    public Builder newBuilder() {
        Builder b = new Builder(settings);
        b.values.put(Setting.WORKER_ID, workerId);
        b.interactiveReserve = interactiveReserve;
        return b;
    }

    /**
     * Sets values by setting; every setter checks its value with the setting's own rule (the one flags and files are
     * checked with) and names the setting in its message.
     */
    public static final class Builder {
        private final Map<Setting, Object> values = new EnumMap<>(Setting.class);
        private final Map<String, String> kafka = new LinkedHashMap<>();
        private final Map<RedisOption, String> redisOptions = new LinkedHashMap<>();
        private int interactiveReserve;

        private Builder() {
            for (Setting setting : Setting.values()) {
                if (setting.typedDefault() != null) {
                    values.put(setting, setting.typedDefault());
                }
            }
        }

        /** Starts from resolved settings (already checked). */
        Builder(Settings settings) {
            values.putAll(settings.values());
            kafka.putAll(settings.kafka());
            redisOptions.putAll(settings.redis());
        }

        /** Any setting, by its typed value (an {@code Integer}, {@code Duration}, ...), checked by its rule. */
        public Builder set(Setting setting, Object value) {
            values.put(setting, setting.check(value));
            return this;
        }

        public Builder bootstrapServers(String value) { return set(Setting.BOOTSTRAP, value); }
        public Builder redisUri(String value) { return set(Setting.REDIS, value); }
        public Builder promptsTopic(String value) { return set(Setting.PROMPTS_TOPIC, value); }
        public Builder repliesTopic(String value) { return set(Setting.REPLIES_TOPIC, value); }
        public Builder deadLetterTopic(String value) { return set(Setting.DLQ_TOPIC, value); }
        public Builder controlTopic(String value) { return set(Setting.CONTROL_TOPIC, value); }
        public Builder groupId(String value) { return set(Setting.GROUP_ID, value); }
        public Builder workerId(String value) { return set(Setting.WORKER_ID, value); }
        public Builder createTopics(boolean value) { return set(Setting.CREATE_TOPICS, value); }
        public Builder partitions(int value) { return set(Setting.PARTITIONS, value); }
        public Builder replicationFactor(int value) { return set(Setting.REPLICATION_FACTOR, value); }
        public Builder maxBufferedRecords(int value) { return set(Setting.MAX_BUFFERED, value); }
        public Builder maxInFlight(int value) { return set(Setting.MAX_IN_FLIGHT, value); }
        public Builder maxPromptBytes(int value) { return set(Setting.MAX_PROMPT_BYTES, value); }
        public Builder defaultMaxTokens(int value) { return set(Setting.DEFAULT_MAX_TOKENS, value); }
        public Builder turnAttempts(int value) { return set(Setting.TURN_ATTEMPTS, value); }
        public Builder shutdownGrace(Duration value) { return set(Setting.SHUTDOWN_GRACE, value); }
        public Builder revokeGrace(Duration value) { return set(Setting.REVOKE_GRACE, value); }
        public Builder commitInterval(Duration value) { return set(Setting.COMMIT_INTERVAL, value); }
        public Builder relayMaxBlock(Duration value) { return set(Setting.RELAY_MAX_BLOCK, value); }
        public Builder maxForwardHops(int value) { return set(Setting.MAX_FORWARD_HOPS, value); }
        public Builder historyTtl(Duration value) { return set(Setting.HISTORY_TTL, value); }
        public Builder historyMaxTurns(int value) { return set(Setting.HISTORY_MAX_TURNS, value); }
        public Builder historyMaxBytes(long value) { return set(Setting.HISTORY_MAX_BYTES, value); }
        public Builder idempotencyWindow(int value) { return set(Setting.IDEMPOTENCY_WINDOW, value); }
        public Builder deadLetterMaxPayloadBytes(int value) { return set(Setting.DLQ_MAX_PAYLOAD_BYTES, value); }
        public Builder stallTimeout(Duration value) { return set(Setting.STALL_TIMEOUT, value); }
        public Builder unhealthyExitAfter(Duration value) { return set(Setting.UNHEALTHY_EXIT_AFTER, value); }
        public Builder cancelQueue(int value) { return set(Setting.CANCEL_QUEUE, value); }

        /** Static membership id; {@code null} or blank for dynamic membership. */
        public Builder groupInstanceId(String value) {
            if (value == null || value.isBlank()) {
                values.remove(Setting.GROUP_INSTANCE_ID);
                return this;
            }
            return set(Setting.GROUP_INSTANCE_ID, value);
        }

        /** The batch lane's aging ({@code batch-aging}) and the interactive reserve. */
        public Builder lanes(LanePolicy value) {
            Objects.requireNonNull(value, "lanes");
            interactiveReserve = value.interactiveReserve();
            return set(Setting.BATCH_AGING, value.batchAging());
        }

        public Builder quotas(QuotaSettings value) {
            Objects.requireNonNull(value, "quotas");
            set(Setting.QUOTA_TENANTS, Map.copyOf(value.tenants()));
            return set(Setting.QUOTA_DEFAULT, value.defaultLimit());
        }

        public Builder replyToPrefixes(List<String> value) {
            if (value.isEmpty()) {
                values.remove(Setting.REPLY_TO_PREFIXES); // any topic
                return this;
            }
            return set(Setting.REPLY_TO_PREFIXES, List.copyOf(value));
        }

        /** A Kafka client property passed through to every Kafka client of the worker. */
        public Builder kafka(String key, String value) {
            this.kafka.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /** Redis connection options beyond the URI (credentials, TLS, timeouts). */
        public Builder redisOptions(Map<RedisOption, String> options) {
            this.redisOptions.putAll(options);
            return this;
        }

        public WorkerConfig build() {
            return new WorkerConfig(this);
        }
    }
}
