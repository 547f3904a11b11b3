package dev.parley.gateway;

import dev.parley.client.AdmissionPolicy;
import dev.parley.client.ParleyClient;
import dev.parley.gateway.auth.ApiKeys;
import dev.parley.gateway.batch.StorageLimits;
import dev.parley.gateway.responses.ResponsesSettings;
import dev.parley.gateway.resume.ResumeSettings;
import java.net.URI;
import dev.parley.gateway.http.BodyLimits;
import dev.parley.gateway.http.LoopbackScreen;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import redis.clients.jedis.RedisClient;

/**
 * What a gateway needs: where the pool is, which models it serves, who may call it. Immutable; build one with
 * {@link #builder()}.
 */
public final class GatewayConfig {

    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT = 8080;
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(120);
    public static final int DEFAULT_MAX_IN_FLIGHT = 256;
    public static final Duration DEFAULT_PING_INTERVAL = Duration.ofSeconds(5);
    public static final Duration DEFAULT_CONVERSATION_TTL = Duration.ofDays(7);
    public static final int DEFAULT_BATCH_IN_FLIGHT = 8;
    public static final Duration DEFAULT_BATCH_LEASE = Duration.ofSeconds(15);
    public static final Duration DEFAULT_BATCH_SCAN_INTERVAL = Duration.ofSeconds(1);
    public static final int DEFAULT_BATCH_MAX_FAILED_RUNS = 3;
    public static final int DEFAULT_BATCH_RATE_LIMIT_RETRIES = 20;
    public static final Duration DEFAULT_BATCH_RETRY_MAX_WAIT = Duration.ofSeconds(60);
    /** Chat (and every JSON route's) body limit: far above any prompt a worker takes (1 MB by default). */
    public static final long DEFAULT_MAX_BODY_BYTES = 4L << 20;
    /** What a multipart upload's body may carry beyond its file: boundaries, part headers, the purpose field. */
    static final long MULTIPART_OVERHEAD_BYTES = 64 << 10;
    public static final int DEFAULT_MAX_JSON_DEPTH = 128;
    public static final int DEFAULT_MAX_JSON_STRING_CHARS = 2 << 20;
    public static final Duration DEFAULT_BODY_IDLE_TIMEOUT = Duration.ofSeconds(30);
    public static final long DEFAULT_MIN_BODY_BYTES_PER_SECOND = 1024;
    public static final Duration DEFAULT_BODY_RATE_GRACE = Duration.ofSeconds(10);
    public static final int DEFAULT_MAX_CONNECTIONS = 1024;
    public static final int DEFAULT_MAX_REQUEST_HEADER_BYTES = 8 << 10;
    public static final int DEFAULT_TENANT_MAX_IN_FLIGHT = 64;
    public static final int DEFAULT_TENANT_MAX_STREAMS = 32;
    /**
     * No bound on waiting work, but a request the pool would not reach before its deadline, at its recent rate, is
     * refused with 429 rather than left to time out.
     */
    public static final AdmissionPolicy DEFAULT_ADMISSION = new AdmissionPolicy(0, 0, 0, true,
            AdmissionPolicy.DEFAULT_MAX_RETRY_AFTER);
    public static final Duration DEFAULT_HEALTH_CHECK_INTERVAL = Duration.ofSeconds(2);
    /** The upload route, whose body limit is the upload one rather than the JSON one. */
    public static final String UPLOAD_ROUTE = "/v1/files";

    private final String host;
    private final int port;
    private final String bootstrapServers;
    private final String promptsTopic;
    private final String repliesTopic;
    private final String controlTopic;
    private final String modelsTopic;
    private final String redisUri;
    private final List<String> models;
    private final ApiKeys keys;
    private final Duration requestTimeout;
    private final int maxInFlight;
    private final Duration pingInterval;
    private final Duration conversationTtl;
    private final int batchInFlight;
    private final Duration batchLease;
    private final Duration batchScanInterval;
    private final String instanceId;
    private final Map<String, String> kafkaProperties;
    private final Function<String, RedisClient> redisConnector;
    private final String filesRedisUri;
    private final int batchMaxFailedRuns;
    private final int batchRateLimitRetries;
    private final Duration batchRetryMaxWait;
    private final StorageLimits storage;
    private final BodyLimits bodyLimits;
    private final int maxConnections;
    private final int maxRequestHeaderBytes;
    private final int tenantMaxInFlight;
    private final int tenantMaxStreams;
    private final AdmissionPolicy admission;
    private final Duration healthCheckInterval;
    private final ResponsesSettings responses;
    private final ResumeSettings resume;

    private GatewayConfig(Builder b) {
        this.host = b.host;
        this.port = b.port;
        this.bootstrapServers = Objects.requireNonNull(b.bootstrapServers, "bootstrapServers is required");
        this.promptsTopic = b.promptsTopic;
        this.repliesTopic = b.repliesTopic;
        this.controlTopic = b.controlTopic;
        this.modelsTopic = b.modelsTopic;
        this.redisUri = b.redisUri;
        this.models = List.copyOf(b.models);
        this.keys = Objects.requireNonNull(b.keys, "keys are required (ApiKeys.open(...) for none)");
        this.requestTimeout = b.requestTimeout;
        this.maxInFlight = b.maxInFlight;
        this.pingInterval = b.pingInterval;
        this.conversationTtl = b.conversationTtl;
        this.batchInFlight = b.batchInFlight;
        this.batchLease = b.batchLease;
        this.batchScanInterval = b.batchScanInterval;
        this.kafkaProperties = Map.copyOf(b.kafkaProperties);
        this.redisConnector = b.redisConnector;
        this.filesRedisUri = b.filesRedisUri;
        this.batchMaxFailedRuns = b.batchMaxFailedRuns;
        this.batchRateLimitRetries = b.batchRateLimitRetries;
        this.batchRetryMaxWait = b.batchRetryMaxWait;
        this.storage = b.storage;
        this.instanceId = b.instanceId != null ? b.instanceId : "gateway-" + java.util.UUID.randomUUID().toString().substring(0, 8);
        this.bodyLimits = new BodyLimits(b.maxBodyBytes, Map.of(UPLOAD_ROUTE, b.storage.maxUploadBytes() + MULTIPART_OVERHEAD_BYTES), b.bodyIdleTimeout,
                b.minBodyBytesPerSecond, b.bodyRateGrace, b.maxJsonDepth, b.maxJsonStringChars);
        this.maxConnections = b.maxConnections;
        this.maxRequestHeaderBytes = b.maxRequestHeaderBytes;
        this.tenantMaxInFlight = b.tenantMaxInFlight;
        this.tenantMaxStreams = b.tenantMaxStreams;
        this.admission = b.admission;
        this.healthCheckInterval = b.healthCheckInterval;
        this.responses = b.responses;
        this.resume = b.resume;
        if (!keys.required() && !LoopbackScreen.isLoopback(host)) {
            throw new IllegalArgumentException("a gateway without API keys (--no-auth) may only listen on a loopback "
                    + "host (127.0.0.1, ::1 or localhost), not '" + host + "': give API keys to listen there");
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    public String host() { return host; }
    public int port() { return port; }
    public String bootstrapServers() { return bootstrapServers; }
    public String promptsTopic() { return promptsTopic; }
    public String repliesTopic() { return repliesTopic; }
    public String controlTopic() { return controlTopic; }
    /** Redis for conversation mapping and batches, or {@code null}: stateless chat, no batch API. */
    public String redisUri() { return redisUri; }
    /** Names served on the default prompts topic, besides the models workers announce (may be empty). */
    public List<String> models() { return models; }
    /** Where workers announce their models: those are served too, each on its own topic. */
    public String modelsTopic() { return modelsTopic; }
    public ApiKeys keys() { return keys; }
    public Duration requestTimeout() { return requestTimeout; }
    public int maxInFlight() { return maxInFlight; }
    public Duration pingInterval() { return pingInterval; }
    public Duration conversationTtl() { return conversationTtl; }
    public int batchInFlight() { return batchInFlight; }
    /** How long a batch lease lasts unless renewed: how soon a dead gateway's batch is taken over. */
    public Duration batchLease() { return batchLease; }
    public Duration batchScanInterval() { return batchScanInterval; }
    /** Names this gateway's leases on batches. */
    public String instanceId() { return instanceId; }
    /** Kafka client properties for the gateway's own clients (TLS, SASL, ...), as {@code parley worker} takes them. */
    public Map<String, String> kafkaProperties() { return kafkaProperties; }
    /** Connects to a Redis URI (TLS trust store, ACL user, timeouts as the caller configured them). */
    public Function<String, RedisClient> redisConnector() { return redisConnector; }
    /**
     * Redis for files and batches, or {@code null} for the {@link #redisUri()} one. Apart is safer: uploads then cannot
     * crowd histories, idempotency records and quota buckets out of the history Redis.
     */
    public String filesRedisUri() { return filesRedisUri; }
    /** Failed runs of one batch before it is marked failed. */
    public int batchMaxFailedRuns() { return batchMaxFailedRuns; }
    /** Times a batch line refused for its tenant's token quota is sent again. */
    public int batchRateLimitRetries() { return batchRateLimitRetries; }
    /** The longest a refused batch line waits before it is sent again. */
    public Duration batchRetryMaxWait() { return batchRetryMaxWait; }
    /** Per-tenant bounds and expiry of files and batches. */
    public StorageLimits storage() { return storage; }
    /** Body size, JSON shape and body pace limits ({@code /v1/files} has its own size limit). */
    public BodyLimits bodyLimits() { return bodyLimits; }
    /** Open connections at most; past it the gateway stops accepting until one closes. */
    public int maxConnections() { return maxConnections; }
    public int maxRequestHeaderBytes() { return maxRequestHeaderBytes; }
    /** Requests one tenant may have open at once (all routes with a key). */
    public int tenantMaxInFlight() { return tenantMaxInFlight; }
    /** Streamed chat requests one tenant may have open at once. */
    public int tenantMaxStreams() { return tenantMaxStreams; }
    /** When interactive chat requests are refused for the work waiting for their model. */
    public AdmissionPolicy admission() { return admission; }
    /** How often {@code /health} refreshes its Redis check in the background (it never waits for one). */
    public Duration healthCheckInterval() { return healthCheckInterval; }
    /** Retention and bounds of stored responses and idempotency keys. */
    public ResponsesSettings responses() { return responses; }
    /** How long streams can be resumed, and how long a hung-up one waits for its client to resume it. */
    public ResumeSettings resume() { return resume; }

    public static final class Builder {
        private String host = DEFAULT_HOST;
        private int port = DEFAULT_PORT;
        private String bootstrapServers;
        private String promptsTopic = ParleyClient.DEFAULT_PROMPTS_TOPIC;
        private String repliesTopic = ParleyClient.DEFAULT_REPLIES_TOPIC;
        private String controlTopic = ParleyClient.DEFAULT_CONTROL_TOPIC;
        private String modelsTopic = ParleyClient.DEFAULT_MODELS_TOPIC;
        private String redisUri;
        private List<String> models = List.of();
        private ApiKeys keys;
        private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
        private int maxInFlight = DEFAULT_MAX_IN_FLIGHT;
        private Duration pingInterval = DEFAULT_PING_INTERVAL;
        private Duration conversationTtl = DEFAULT_CONVERSATION_TTL;
        private int batchInFlight = DEFAULT_BATCH_IN_FLIGHT;
        private Duration batchLease = DEFAULT_BATCH_LEASE;
        private Duration batchScanInterval = DEFAULT_BATCH_SCAN_INTERVAL;
        private String instanceId;
        private Map<String, String> kafkaProperties = Map.of();
        private Function<String, RedisClient> redisConnector = uri -> RedisClient.create(URI.create(uri));
        private String filesRedisUri;
        private int batchMaxFailedRuns = DEFAULT_BATCH_MAX_FAILED_RUNS;
        private int batchRateLimitRetries = DEFAULT_BATCH_RATE_LIMIT_RETRIES;
        private Duration batchRetryMaxWait = DEFAULT_BATCH_RETRY_MAX_WAIT;
        private StorageLimits storage = StorageLimits.DEFAULTS;
        private long maxBodyBytes = DEFAULT_MAX_BODY_BYTES;
        private int maxJsonDepth = DEFAULT_MAX_JSON_DEPTH;
        private int maxJsonStringChars = DEFAULT_MAX_JSON_STRING_CHARS;
        private Duration bodyIdleTimeout = DEFAULT_BODY_IDLE_TIMEOUT;
        private long minBodyBytesPerSecond = DEFAULT_MIN_BODY_BYTES_PER_SECOND;
        private Duration bodyRateGrace = DEFAULT_BODY_RATE_GRACE;
        private int maxConnections = DEFAULT_MAX_CONNECTIONS;
        private int maxRequestHeaderBytes = DEFAULT_MAX_REQUEST_HEADER_BYTES;
        private int tenantMaxInFlight = DEFAULT_TENANT_MAX_IN_FLIGHT;
        private int tenantMaxStreams = DEFAULT_TENANT_MAX_STREAMS;
        private AdmissionPolicy admission = DEFAULT_ADMISSION;
        private Duration healthCheckInterval = DEFAULT_HEALTH_CHECK_INTERVAL;
        private ResponsesSettings responses = ResponsesSettings.DEFAULTS;
        private ResumeSettings resume = ResumeSettings.DEFAULTS;

        private Builder() {
        }

        public Builder kafkaProperties(Map<String, String> properties) {
            this.kafkaProperties = Map.copyOf(properties);
            return this;
        }

        public Builder redisConnector(Function<String, RedisClient> connector) {
            this.redisConnector = Objects.requireNonNull(connector, "redisConnector");
            return this;
        }

        public Builder filesRedisUri(String uri) { this.filesRedisUri = uri; return this; }

        public Builder responses(ResponsesSettings settings) {
            this.responses = Objects.requireNonNull(settings, "responses");
            return this;
        }

        public Builder resume(ResumeSettings settings) { this.resume = Objects.requireNonNull(settings, "resume"); return this; }

        public Builder batchMaxFailedRuns(int runs) {
            this.batchMaxFailedRuns = atLeast("batchMaxFailedRuns", runs, 1);
            return this;
        }

        public Builder batchRateLimitRetries(int retries) {
            this.batchRateLimitRetries = atLeast("batchRateLimitRetries", retries, 0);
            return this;
        }

        public Builder batchRetryMaxWait(Duration wait) {
            this.batchRetryMaxWait = positive("batchRetryMaxWait", wait);
            return this;
        }

        public Builder storage(StorageLimits limits) {
            this.storage = Objects.requireNonNull(limits, "storage");
            return this;
        }

        private static int atLeast(String name, int value, int min) {
            if (value < min) {
                throw new IllegalArgumentException(name + " must be >= " + min + ", got " + value);
            }
            return value;
        }

        public Builder maxBodyBytes(long bytes) { this.maxBodyBytes = atLeast("maxBodyBytes", bytes, 1024); return this; }
        public Builder maxJsonDepth(int depth) { this.maxJsonDepth = (int) atLeast("maxJsonDepth", depth, 8); return this; }
        public Builder maxJsonStringChars(int chars) {
            this.maxJsonStringChars = (int) atLeast("maxJsonStringChars", chars, 1024);
            return this;
        }
        public Builder bodyIdleTimeout(Duration timeout) { this.bodyIdleTimeout = positive("bodyIdleTimeout", timeout); return this; }
        /** The slowest average body rate accepted once {@code grace} has passed; 0 for none. */
        public Builder minBodyRate(long bytesPerSecond, Duration grace) {
            this.minBodyBytesPerSecond = atLeast("minBodyBytesPerSecond", bytesPerSecond, 0);
            this.bodyRateGrace = positive("bodyRateGrace", grace);
            return this;
        }
        public Builder maxConnections(int max) { this.maxConnections = (int) atLeast("maxConnections", max, 1); return this; }
        public Builder maxRequestHeaderBytes(int bytes) {
            this.maxRequestHeaderBytes = (int) atLeast("maxRequestHeaderBytes", bytes, 1024);
            return this;
        }
        public Builder tenantMaxInFlight(int max) { this.tenantMaxInFlight = (int) atLeast("tenantMaxInFlight", max, 1); return this; }
        public Builder tenantMaxStreams(int max) { this.tenantMaxStreams = (int) atLeast("tenantMaxStreams", max, 1); return this; }
        public Builder admission(AdmissionPolicy policy) { this.admission = Objects.requireNonNull(policy, "admission"); return this; }
        public Builder healthCheckInterval(Duration interval) {
            this.healthCheckInterval = positive("healthCheckInterval", interval);
            return this;
        }

        public Builder host(String host) { this.host = Objects.requireNonNull(host, "host"); return this; }

        /** The port, 0 for any free one. */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be 0-65535, got " + port);
            }
            this.port = port;
            return this;
        }

        public Builder bootstrapServers(String servers) { this.bootstrapServers = servers; return this; }
        public Builder promptsTopic(String topic) { this.promptsTopic = topic; return this; }
        public Builder repliesTopic(String topic) { this.repliesTopic = topic; return this; }
        public Builder controlTopic(String topic) { this.controlTopic = topic; return this; }
        public Builder modelsTopic(String topic) { this.modelsTopic = Objects.requireNonNull(topic, "modelsTopic"); return this; }
        public Builder redisUri(String uri) { this.redisUri = uri; return this; }
        public Builder models(List<String> models) { this.models = List.copyOf(models); return this; }
        public Builder keys(ApiKeys keys) { this.keys = keys; return this; }

        public Builder requestTimeout(Duration timeout) {
            this.requestTimeout = positive("requestTimeout", timeout);
            return this;
        }

        public Builder maxInFlight(int max) {
            if (max < 1) {
                throw new IllegalArgumentException("maxInFlight must be >= 1, got " + max);
            }
            this.maxInFlight = max;
            return this;
        }

        public Builder pingInterval(Duration interval) {
            this.pingInterval = positive("pingInterval", interval);
            return this;
        }

        public Builder conversationTtl(Duration ttl) {
            this.conversationTtl = positive("conversationTtl", ttl);
            return this;
        }

        public Builder batchInFlight(int max) {
            if (max < 1) {
                throw new IllegalArgumentException("batchInFlight must be >= 1, got " + max);
            }
            this.batchInFlight = max;
            return this;
        }

        public Builder batchLease(Duration lease) {
            this.batchLease = positive("batchLease", lease);
            return this;
        }

        public Builder batchScanInterval(Duration interval) {
            this.batchScanInterval = positive("batchScanInterval", interval);
            return this;
        }

        public Builder instanceId(String id) { this.instanceId = id; return this; }

        public GatewayConfig build() {
            return new GatewayConfig(this);
        }

        private static long atLeast(String name, long value, long min) {
            if (value < min) {
                throw new IllegalArgumentException(name + " must be >= " + min + ", got " + value);
            }
            return value;
        }

        private static Duration positive(String name, Duration value) {
            if (value == null || value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, got " + value);
            }
            return value;
        }
    }
}
