package dev.parley.worker.config;

import dev.parley.worker.dispatch.LanePolicy;
import dev.parley.worker.quota.QuotaSettings;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Everything a worker needs besides its engine. Immutable; build with {@link #builder()}, whose setters reject bad
 * values with a message naming the setting.
 */
public final class WorkerConfig {

    public static final String DEFAULT_PROMPTS_TOPIC = "parley.prompts";
    public static final String DEFAULT_REPLIES_TOPIC = "parley.replies";
    public static final String DEFAULT_DEAD_LETTER_TOPIC = "parley.dlq";
    public static final String DEFAULT_CONTROL_TOPIC = "parley.control";
    public static final String DEFAULT_GROUP_ID = "parley-workers";
    public static final int DEFAULT_PARTITIONS = 12;
    public static final int DEFAULT_MAX_BUFFERED_RECORDS = 1000;
    public static final int DEFAULT_MAX_PROMPT_BYTES = 1_048_576;
    public static final int DEFAULT_MAX_TOKENS = 256;
    public static final int DEFAULT_TURN_ATTEMPTS = 3;
    public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(30);
    public static final Duration DEFAULT_REVOKE_GRACE = Duration.ofSeconds(10);
    public static final Duration DEFAULT_COMMIT_INTERVAL = Duration.ofSeconds(1);
    public static final Duration DEFAULT_RELAY_MAX_BLOCK = Duration.ofSeconds(5);
    public static final int DEFAULT_MAX_FORWARD_HOPS = 3;
    public static final Duration DEFAULT_HISTORY_TTL = Duration.ofDays(7);
    public static final int DEFAULT_HISTORY_MAX_TURNS = 1000;
    public static final long DEFAULT_HISTORY_MAX_BYTES = 1L << 20;
    public static final int DEFAULT_IDEMPOTENCY_WINDOW = 1000;
    public static final int DEFAULT_DLQ_MAX_PAYLOAD_BYTES = 65_536;
    public static final Duration DEFAULT_STALL_TIMEOUT = Duration.ofMinutes(5);
    public static final Duration DEFAULT_UNHEALTHY_EXIT_AFTER = Duration.ofSeconds(30);
    public static final int DEFAULT_CANCEL_QUEUE = 10_000;

    private final String bootstrapServers;
    private final String redisUri;
    private final String promptsTopic;
    private final String repliesTopic;
    private final String deadLetterTopic;
    private final String controlTopic;
    private final String groupId;
    private final String groupInstanceId;
    private final String workerId;
    private final boolean createTopics;
    private final int partitions;
    private final short replicationFactor;
    private final int maxBufferedRecords;
    private final int maxInFlight;
    private final int maxPromptBytes;
    private final int defaultMaxTokens;
    private final int turnAttempts;
    private final Duration shutdownGrace;
    private final Duration revokeGrace;
    private final Duration commitInterval;
    private final Duration relayMaxBlock;
    private final int maxForwardHops;
    private final Duration historyTtl;
    private final int historyMaxTurns;
    private final long historyMaxBytes;
    private final int idempotencyWindow;
    private final int deadLetterMaxPayloadBytes;
    private final Duration stallTimeout;
    private final Duration unhealthyExitAfter;
    private final LanePolicy lanes;
    private final Map<String, String> kafka;
    private final Map<RedisOption, String> redisOptions;
    private final QuotaSettings quotas;
    private final java.util.List<String> replyToPrefixes;
    private final int cancelQueue;

    private WorkerConfig(Builder b) {
        this.bootstrapServers = require("bootstrap-servers", b.bootstrapServers);
        this.redisUri = require("redis", b.redisUri);
        this.promptsTopic = b.promptsTopic;
        this.repliesTopic = b.repliesTopic;
        this.deadLetterTopic = b.deadLetterTopic;
        this.controlTopic = b.controlTopic;
        this.groupId = b.groupId;
        this.groupInstanceId = b.groupInstanceId;
        this.workerId = b.workerId != null ? b.workerId : defaultWorkerId();
        this.createTopics = b.createTopics;
        this.partitions = b.partitions;
        this.replicationFactor = b.replicationFactor;
        this.maxBufferedRecords = b.maxBufferedRecords;
        this.maxInFlight = b.maxInFlight;
        this.maxPromptBytes = b.maxPromptBytes;
        this.defaultMaxTokens = b.defaultMaxTokens;
        this.turnAttempts = b.turnAttempts;
        this.shutdownGrace = b.shutdownGrace;
        this.revokeGrace = b.revokeGrace;
        this.commitInterval = b.commitInterval;
        this.relayMaxBlock = b.relayMaxBlock;
        this.maxForwardHops = b.maxForwardHops;
        this.historyTtl = b.historyTtl;
        this.historyMaxTurns = b.historyMaxTurns;
        this.historyMaxBytes = b.historyMaxBytes;
        this.idempotencyWindow = b.idempotencyWindow;
        this.deadLetterMaxPayloadBytes = b.deadLetterMaxPayloadBytes;
        this.stallTimeout = b.stallTimeout;
        this.unhealthyExitAfter = b.unhealthyExitAfter;
        this.lanes = b.lanes;
        this.kafka = Map.copyOf(b.kafka);
        this.redisOptions = Map.copyOf(b.redisOptions);
        this.quotas = b.quotas;
        this.replyToPrefixes = b.replyToPrefixes;
        this.cancelQueue = b.cancelQueue;
    }

    public static Builder builder() {
        return new Builder();
    }

    private static String require(String name, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name + " is required");
        }
        return value;
    }

    private static String defaultWorkerId() {
        String host = System.getenv().getOrDefault("HOSTNAME", "worker");
        return host + "-" + ProcessHandle.current().pid();
    }

    public String bootstrapServers() { return bootstrapServers; }
    public String redisUri() { return redisUri; }
    public String promptsTopic() { return promptsTopic; }
    public String repliesTopic() { return repliesTopic; }
    public String deadLetterTopic() { return deadLetterTopic; }
    /** Topic of cancel requests, read by every worker. */
    public String controlTopic() { return controlTopic; }
    public String groupId() { return groupId; }
    /** Static membership id, or {@code null} for dynamic membership. */
    public String groupInstanceId() { return groupInstanceId; }
    public String workerId() { return workerId; }
    public boolean createTopics() { return createTopics; }
    public int partitions() { return partitions; }
    /** Replication factor of created topics; -1 means the broker's default. */
    public short replicationFactor() { return replicationFactor; }
    public int maxBufferedRecords() { return maxBufferedRecords; }
    /** Turns run at once; 0 means one per engine slot. */
    public int maxInFlight() { return maxInFlight; }
    public int maxPromptBytes() { return maxPromptBytes; }
    public int defaultMaxTokens() { return defaultMaxTokens; }
    public int turnAttempts() { return turnAttempts; }
    public Duration shutdownGrace() { return shutdownGrace; }
    public Duration revokeGrace() { return revokeGrace; }
    public Duration commitInterval() { return commitInterval; }
    public Duration relayMaxBlock() { return relayMaxBlock; }
    public int maxForwardHops() { return maxForwardHops; }
    /** How long an idle conversation's history is kept; zero keeps it forever. */
    public Duration historyTtl() { return historyTtl; }
    /** Turns kept per conversation; older ones are dropped. */
    public int historyMaxTurns() { return historyMaxTurns; }
    /** Bytes of stored turns kept per conversation, and again of stored replies. */
    public long historyMaxBytes() { return historyMaxBytes; }
    /** Request ids per conversation whose replies are kept, so that their redeliveries are not generated again. */
    public int idempotencyWindow() { return idempotencyWindow; }
    /** The most original bytes a dead letter carries. */
    public int deadLetterMaxPayloadBytes() { return deadLetterMaxPayloadBytes; }
    /** How long a busy part may show no progress before the worker is unhealthy. */
    public Duration stallTimeout() { return stallTimeout; }
    /** How long a worker process stays unhealthy before it exits. */
    public Duration unhealthyExitAfter() { return unhealthyExitAfter; }
    /** How interactive and batch turns share the places (the worker sets the reserve from its engine). */
    public LanePolicy lanes() { return lanes; }
    /** Extra Kafka client properties, applied to the consumer, producer and admin client. */
    public Map<String, String> kafka() { return kafka; }
    /** Redis connection options beyond the URI. */
    public Map<RedisOption, String> redisOptions() { return redisOptions; }
    /** Token quotas by tenant ({@code quota-tenants}, {@code quota-default}). */
    public QuotaSettings quotas() { return quotas; }
    /** Prefixes a prompt's reply_to topic must start with ({@code reply-to-prefixes}); empty: any topic. */
    public java.util.List<String> replyToPrefixes() { return replyToPrefixes; }
    /** Cancels held for Redis while it is away ({@code cancel-queue}); past that the oldest is not stored. */
    public int cancelQueue() { return cancelQueue; }

    public Builder newBuilder() {
        Builder b = new Builder();
        b.bootstrapServers = bootstrapServers;
        b.redisUri = redisUri;
        b.promptsTopic = promptsTopic;
        b.repliesTopic = repliesTopic;
        b.deadLetterTopic = deadLetterTopic;
        b.controlTopic = controlTopic;
        b.groupId = groupId;
        b.groupInstanceId = groupInstanceId;
        b.workerId = workerId;
        b.createTopics = createTopics;
        b.partitions = partitions;
        b.replicationFactor = replicationFactor;
        b.maxBufferedRecords = maxBufferedRecords;
        b.maxInFlight = maxInFlight;
        b.maxPromptBytes = maxPromptBytes;
        b.defaultMaxTokens = defaultMaxTokens;
        b.turnAttempts = turnAttempts;
        b.shutdownGrace = shutdownGrace;
        b.revokeGrace = revokeGrace;
        b.commitInterval = commitInterval;
        b.relayMaxBlock = relayMaxBlock;
        b.maxForwardHops = maxForwardHops;
        b.historyTtl = historyTtl;
        b.historyMaxTurns = historyMaxTurns;
        b.historyMaxBytes = historyMaxBytes;
        b.idempotencyWindow = idempotencyWindow;
        b.deadLetterMaxPayloadBytes = deadLetterMaxPayloadBytes;
        b.stallTimeout = stallTimeout;
        b.unhealthyExitAfter = unhealthyExitAfter;
        b.lanes = lanes;
        b.kafka.putAll(kafka);
        b.redisOptions.putAll(redisOptions);
        b.quotas = quotas;
        b.replyToPrefixes = replyToPrefixes;
        b.cancelQueue = cancelQueue;
        return b;
    }

    public static final class Builder {
        private String bootstrapServers;
        private String redisUri;
        private String promptsTopic = DEFAULT_PROMPTS_TOPIC;
        private String repliesTopic = DEFAULT_REPLIES_TOPIC;
        private String deadLetterTopic = DEFAULT_DEAD_LETTER_TOPIC;
        private String controlTopic = DEFAULT_CONTROL_TOPIC;
        private String groupId = DEFAULT_GROUP_ID;
        private String groupInstanceId;
        private String workerId;
        private boolean createTopics = true;
        private int partitions = DEFAULT_PARTITIONS;
        private short replicationFactor = -1;
        private int maxBufferedRecords = DEFAULT_MAX_BUFFERED_RECORDS;
        private int maxInFlight;
        private int maxPromptBytes = DEFAULT_MAX_PROMPT_BYTES;
        private int defaultMaxTokens = DEFAULT_MAX_TOKENS;
        private int turnAttempts = DEFAULT_TURN_ATTEMPTS;
        private Duration shutdownGrace = DEFAULT_SHUTDOWN_GRACE;
        private Duration revokeGrace = DEFAULT_REVOKE_GRACE;
        private Duration commitInterval = DEFAULT_COMMIT_INTERVAL;
        private Duration relayMaxBlock = DEFAULT_RELAY_MAX_BLOCK;
        private int maxForwardHops = DEFAULT_MAX_FORWARD_HOPS;
        private Duration historyTtl = DEFAULT_HISTORY_TTL;
        private int historyMaxTurns = DEFAULT_HISTORY_MAX_TURNS;
        private long historyMaxBytes = DEFAULT_HISTORY_MAX_BYTES;
        private int idempotencyWindow = DEFAULT_IDEMPOTENCY_WINDOW;
        private int deadLetterMaxPayloadBytes = DEFAULT_DLQ_MAX_PAYLOAD_BYTES;
        private Duration stallTimeout = DEFAULT_STALL_TIMEOUT;
        private Duration unhealthyExitAfter = DEFAULT_UNHEALTHY_EXIT_AFTER;
        private LanePolicy lanes = LanePolicy.DEFAULT;
        private final Map<String, String> kafka = new LinkedHashMap<>();
        private final Map<RedisOption, String> redisOptions = new LinkedHashMap<>();
        private QuotaSettings quotas = QuotaSettings.NONE;
        private java.util.List<String> replyToPrefixes = java.util.List.of();
        private int cancelQueue = DEFAULT_CANCEL_QUEUE;

        private Builder() {
        }

        public Builder bootstrapServers(String value) {
            this.bootstrapServers = require("bootstrap-servers", value);
            return this;
        }

        public Builder redisUri(String value) {
            require("redis", value);
            if (!value.startsWith("redis://") && !value.startsWith("rediss://")) {
                throw new IllegalArgumentException("redis must be a redis:// or rediss:// URI, got '" + value + "'");
            }
            this.redisUri = value;
            return this;
        }

        public Builder promptsTopic(String value) {
            this.promptsTopic = topic("prompts-topic", value);
            return this;
        }

        public Builder repliesTopic(String value) {
            this.repliesTopic = topic("replies-topic", value);
            return this;
        }

        public Builder deadLetterTopic(String value) {
            this.deadLetterTopic = topic("dlq-topic", value);
            return this;
        }

        public Builder controlTopic(String value) {
            this.controlTopic = topic("control-topic", value);
            return this;
        }

        public Builder groupId(String value) {
            this.groupId = require("group-id", value);
            return this;
        }

        public Builder groupInstanceId(String value) {
            this.groupInstanceId = value == null || value.isBlank() ? null : value;
            return this;
        }

        public Builder workerId(String value) {
            this.workerId = require("worker-id", value);
            return this;
        }

        public Builder createTopics(boolean value) {
            this.createTopics = value;
            return this;
        }

        public Builder partitions(int value) {
            this.partitions = atLeast("partitions", value, 1);
            return this;
        }

        public Builder replicationFactor(int value) {
            if (value != -1 && value < 1) {
                throw new IllegalArgumentException("replication-factor must be -1 (broker default) or >= 1, got " + value);
            }
            this.replicationFactor = (short) value;
            return this;
        }

        public Builder maxBufferedRecords(int value) {
            this.maxBufferedRecords = atLeast("max-buffered-records", value, 1);
            return this;
        }

        public Builder maxInFlight(int value) {
            this.maxInFlight = atLeast("max-in-flight", value, 0);
            return this;
        }

        public Builder maxPromptBytes(int value) {
            this.maxPromptBytes = atLeast("max-prompt-bytes", value, 64);
            return this;
        }

        public Builder defaultMaxTokens(int value) {
            this.defaultMaxTokens = atLeast("default-max-tokens", value, 1);
            return this;
        }

        public Builder turnAttempts(int value) {
            this.turnAttempts = atLeast("turn-attempts", value, 1);
            return this;
        }

        public Builder shutdownGrace(Duration value) {
            this.shutdownGrace = nonNegative("shutdown-grace", value);
            return this;
        }

        public Builder revokeGrace(Duration value) {
            this.revokeGrace = nonNegative("revoke-grace", value);
            return this;
        }

        public Builder commitInterval(Duration value) {
            this.commitInterval = nonNegative("commit-interval", value);
            return this;
        }

        public Builder historyTtl(Duration value) {
            this.historyTtl = nonNegative("history-ttl", value);
            return this;
        }

        public Builder historyMaxTurns(int value) {
            this.historyMaxTurns = atLeast("history-max-turns", value, 1);
            return this;
        }

        public Builder historyMaxBytes(long value) {
            if (value < 1024) {
                throw new IllegalArgumentException("history-max-bytes must be >= 1024, got " + value);
            }
            this.historyMaxBytes = value;
            return this;
        }

        public Builder relayMaxBlock(Duration value) {
            this.relayMaxBlock = nonNegative("relay-max-block", value);
            return this;
        }

        public Builder maxForwardHops(int value) {
            this.maxForwardHops = atLeast("max-forward-hops", value, 0);
            return this;
        }

        public Builder idempotencyWindow(int value) {
            this.idempotencyWindow = atLeast("idempotency-window", value, 1);
            return this;
        }

        public Builder deadLetterMaxPayloadBytes(int value) {
            this.deadLetterMaxPayloadBytes = atLeast("dlq-max-payload-bytes", value, 0);
            return this;
        }

        public Builder stallTimeout(Duration value) {
            nonNegative("stall-timeout", value);
            if (value.isZero()) {
                throw new IllegalArgumentException("stall-timeout must be positive, got " + value);
            }
            this.stallTimeout = value;
            return this;
        }

        public Builder lanes(LanePolicy value) {
            this.lanes = Objects.requireNonNull(value, "lanes");
            return this;
        }

        public Builder unhealthyExitAfter(Duration value) {
            this.unhealthyExitAfter = nonNegative("unhealthy-exit-after", value);
            return this;
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

        public Builder quotas(QuotaSettings value) {
            this.quotas = Objects.requireNonNull(value, "quotas");
            return this;
        }

        public Builder replyToPrefixes(java.util.List<String> value) {
            this.replyToPrefixes = java.util.List.copyOf(value);
            return this;
        }

        public Builder cancelQueue(int value) {
            this.cancelQueue = atLeast("cancel-queue", value, 1);
            return this;
        }

        public WorkerConfig build() {
            return new WorkerConfig(this);
        }

        private static String topic(String name, String value) {
            if (value == null || !value.matches("[a-zA-Z0-9._-]{1,249}")) {
                throw new IllegalArgumentException(name + " must be a Kafka topic name, got '" + value + "'");
            }
            return value;
        }

        private static int atLeast(String name, int value, int min) {
            if (value < min) {
                throw new IllegalArgumentException(name + " must be >= " + min + ", got " + value);
            }
            return value;
        }

        private static Duration nonNegative(String name, Duration value) {
            if (value == null || value.isNegative()) {
                throw new IllegalArgumentException(name + " must be a non-negative duration, got " + value);
            }
            return value;
        }
    }
}
