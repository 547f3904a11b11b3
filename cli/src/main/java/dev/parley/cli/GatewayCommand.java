package dev.parley.cli;

import dev.parley.client.AdmissionPolicy;
import dev.parley.gateway.Gateway;
import dev.parley.gateway.GatewayConfig;
import dev.parley.gateway.auth.ApiKeys;
import dev.parley.gateway.auth.Tenant;
import dev.parley.gateway.batch.StorageLimits;
import dev.parley.gateway.http.LoopbackScreen;
import dev.parley.gateway.responses.ResponsesSettings;
import dev.parley.gateway.resume.ResumeSettings;
import dev.parley.worker.cli.ShutdownOnSignal;
import dev.parley.worker.config.RedisOption;
import dev.parley.worker.history.RedisConnector;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code parley gateway}: the OpenAI-compatible HTTP API in front of a running pool, until SIGINT/SIGTERM. */
@Command(name = "gateway", mixinStandardHelpOptions = true,
        description = "Serve the OpenAI HTTP API (chat completions, models, files, batches) in front of a running "
                + "Parley pool. Prints PARLEY_OPENAI_BASE_URL= once it listens. See docs/gateway.md.")
public final class GatewayCommand implements Callable<Integer> {

    private static final String KAFKA_ENV = "PARLEY_KAFKA_";

    @Option(names = "--bootstrap", defaultValue = "${env:PARLEY_BOOTSTRAP}", required = true,
            description = "Kafka bootstrap servers (env PARLEY_BOOTSTRAP)")
    String bootstrap;

    @Option(names = "--redis", defaultValue = "${env:PARLEY_REDIS}",
            description = "Redis URI (env PARLEY_REDIS): conversation mapping and the batch API; without it each "
                    + "chat request starts a fresh conversation and there is no batch API")
    String redis;

    @Option(names = "--host", defaultValue = "${env:PARLEY_GATEWAY_HOST:-127.0.0.1}", description = "Default ${DEFAULT-VALUE}")
    String host;

    @Option(names = "--port", defaultValue = "${env:PARLEY_GATEWAY_PORT:-8080}", description = "Default ${DEFAULT-VALUE}")
    int port;

    @Option(names = "--model", split = ",", defaultValue = "${env:PARLEY_GATEWAY_MODELS:-smollm2-135m}",
            description = "Model names served on the default prompts topic, as clients name them (default "
                    + "${DEFAULT-VALUE}); the models workers announce on --models-topic are served as well")
    List<String> models;

    @Option(names = "--models-topic", defaultValue = "${env:PARLEY_MODELS_TOPIC:-parley.models}",
            description = "Where workers announce their models (default ${DEFAULT-VALUE})")
    String modelsTopic;

    @Option(names = "--keys-file", description = "API keys, one tenant=key or tenant=sha256:<hex> a line "
            + "(else env " + ApiKeys.ENV + ")")
    Path keysFile;

    @Option(names = "--no-auth", description = "Accept any request as tenant 'default' (loopback development only: "
            + "refused with any other --host; requests must name a loopback Host and send JSON bodies as JSON)")
    boolean noAuth;

    @Option(names = "--prompts-topic", defaultValue = "${env:PARLEY_PROMPTS_TOPIC:-parley.prompts}")
    String promptsTopic;

    @Option(names = "--replies-topic", defaultValue = "${env:PARLEY_REPLIES_TOPIC:-parley.replies}")
    String repliesTopic;

    @Option(names = "--control-topic", defaultValue = "${env:PARLEY_CONTROL_TOPIC:-parley.control}")
    String controlTopic;

    @Option(names = "--request-timeout", defaultValue = "120", description = "Seconds a request may wait for its "
            + "reply before a 504 (default ${DEFAULT-VALUE})")
    long requestTimeoutSeconds;

    @Option(names = "--max-in-flight", defaultValue = "256", description = "Requests waiting at once; more get a 429")
    int maxInFlight;

    @Option(names = "--kafka", paramLabel = "KEY=VALUE", description = "Kafka client property for the gateway's "
            + "clients (TLS, SASL, ...), repeatable; env PARLEY_KAFKA_<KEY> as for 'parley worker'")
    Map<String, String> kafka = new LinkedHashMap<>();

    @Option(names = "--redis-option", paramLabel = "KEY=VALUE", description = "Redis option: user, password, database, "
            + "ssl, truststore, truststore-password, connect-timeout, socket-timeout (env PARLEY_REDIS_<KEY>), for "
            + "--redis and --files-redis alike")
    Map<String, String> redisOptions = new LinkedHashMap<>();

    @Option(names = "--files-redis", defaultValue = "${env:PARLEY_FILES_REDIS}", description = "Redis URI for "
            + "uploaded files and batches (env PARLEY_FILES_REDIS); default the --redis one, where uploads share "
            + "memory with histories and quota buckets")
    String filesRedis;

    @Option(names = "--max-upload-mb", defaultValue = "100", description = "Largest file one upload may carry, "
            + "in MiB (default ${DEFAULT-VALUE})")
    long maxUploadMb;

    @Option(names = "--tenant-storage-mb", defaultValue = "1024", description = "MiB of files one tenant may hold "
            + "(default ${DEFAULT-VALUE})")
    long tenantStorageMb;

    @Option(names = "--tenant-files", defaultValue = "1000", description = "Files one tenant may hold (default "
            + "${DEFAULT-VALUE})")
    int tenantFiles;

    @Option(names = "--tenant-batches", defaultValue = "1000", description = "Batches one tenant may hold, finished "
            + "ones until they expire (default ${DEFAULT-VALUE})")
    int tenantBatches;

    @Option(names = "--file-ttl-days", defaultValue = "30", description = "Days a file is kept unless its upload "
            + "asks for less, and a batch with its results (default ${DEFAULT-VALUE})")
    int fileTtlDays;

    @Option(names = "--max-body-bytes", defaultValue = "" + GatewayConfig.DEFAULT_MAX_BODY_BYTES,
            description = "Largest body of a JSON route (chat, batches); more gets a 413 (default ${DEFAULT-VALUE})")
    long maxBodyBytes;

    @Option(names = "--max-json-depth", defaultValue = "" + GatewayConfig.DEFAULT_MAX_JSON_DEPTH,
            description = "Deepest JSON nesting of a request body (default ${DEFAULT-VALUE})")
    int maxJsonDepth;

    @Option(names = "--max-json-string-chars", defaultValue = "" + GatewayConfig.DEFAULT_MAX_JSON_STRING_CHARS,
            description = "Longest JSON string in a request body (default ${DEFAULT-VALUE})")
    int maxJsonStringChars;

    @Option(names = "--body-idle-timeout", defaultValue = "30", description = "Seconds a request body may pause "
            + "before a 408 (default ${DEFAULT-VALUE})")
    long bodyIdleTimeoutSeconds;

    @Option(names = "--min-body-rate", defaultValue = "" + GatewayConfig.DEFAULT_MIN_BODY_BYTES_PER_SECOND,
            description = "Slowest average body rate, bytes/s, once a body has taken 10 s; 0 for none "
                    + "(default ${DEFAULT-VALUE})")
    long minBodyRate;

    @Option(names = "--max-connections", defaultValue = "" + GatewayConfig.DEFAULT_MAX_CONNECTIONS,
            description = "Open connections at most (default ${DEFAULT-VALUE})")
    int maxConnections;

    @Option(names = "--tenant-max-in-flight", defaultValue = "" + GatewayConfig.DEFAULT_TENANT_MAX_IN_FLIGHT,
            description = "Requests one tenant may have open at once; more get a 429 (default ${DEFAULT-VALUE})")
    int tenantMaxInFlight;

    @Option(names = "--tenant-max-streams", defaultValue = "" + GatewayConfig.DEFAULT_TENANT_MAX_STREAMS,
            description = "Streamed chat requests one tenant may have open at once (default ${DEFAULT-VALUE})")
    int tenantMaxStreams;

    @Option(names = "--admission-max-waiting-turns", defaultValue = "0",
            description = "Turns waiting for a model (announced by its workers plus those this gateway sent since) at "
                    + "which its interactive chat requests get 429 with Retry-After; 0: off (default ${DEFAULT-VALUE})")
    long admissionMaxWaitingTurns;

    @Option(names = "--admission-max-tenant-waiting-turns", defaultValue = "0",
            description = "The same for one tenant's waiting turns of a model; 0: off (default ${DEFAULT-VALUE})")
    long admissionMaxTenantWaitingTurns;

    @Option(names = "--admission-max-waiting-prompt-tokens", defaultValue = "0",
            description = "Estimated prompt tokens waiting for a model at which its interactive chat requests get 429; "
                    + "0: off (default ${DEFAULT-VALUE})")
    long admissionMaxWaitingPromptTokens;

    @Option(names = "--admission-deadline", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Refuse (429) an interactive chat request the pool would not reach before its deadline at "
                    + "its recent rate (default ${DEFAULT-VALUE})")
    boolean admissionDeadline;

    @Option(names = "--admission-max-retry-after", defaultValue = "30",
            description = "The longest Retry-After, in seconds, an admission refusal asks for (default ${DEFAULT-VALUE})")
    long admissionMaxRetryAfterSeconds;

    @Option(names = "--response-retention-days", defaultValue = "30", description = "Days a stored response of "
            + "/v1/responses (and so a previous_response_id chain through it) is kept (default ${DEFAULT-VALUE})")
    int responseRetentionDays;

    @Option(names = "--tenant-responses", defaultValue = "" + ResponsesSettings.DEFAULT_MAX_STORED_PER_TENANT,
            description = "Stored responses one tenant may hold; past it the oldest go first (default ${DEFAULT-VALUE})")
    int tenantResponses;

    @Option(names = "--idempotency-window-hours", defaultValue = "24", description = "Hours an Idempotency-Key "
            + "answers with its first answer (default ${DEFAULT-VALUE})")
    int idempotencyWindowHours;

    @Option(names = "--stream-retention-hours", defaultValue = "24", description = "Hours a stream can be resumed "
            + "(Last-Event-ID, starting_after) from any gateway; the reply topic must keep its records as long "
            + "(default ${DEFAULT-VALUE})")
    long streamRetentionHours;

    @Option(names = "--stream-resume-grace-seconds", defaultValue = "5", description = "Seconds a stream whose client "
            + "hung up goes on generating, waiting for a resume, before it is cancelled; 0 cancels at once "
            + "(default ${DEFAULT-VALUE})")
    long streamResumeGraceSeconds;

    @Override
    public Integer call() throws Exception {
        Gateway gateway = Gateway.start(config(System.getenv()));
        System.out.println("PARLEY_OPENAI_BASE_URL=" + gateway.baseUrl());
        System.out.println("PARLEY_OPENAI_MODEL=" + models.get(0));
        System.out.flush();
        ShutdownOnSignal.awaitSignal(gateway::close);
        return 0;
    }

    /** The gateway's configuration from the options and {@code env} (Kafka properties, Redis options). */
    GatewayConfig config(Map<String, String> env) throws java.io.IOException {
        Map<RedisOption, String> redisSettings = redisOptions(env);
        return GatewayConfig.builder().host(host).port(port).bootstrapServers(bootstrap)
                .redisUri(blankToNull(redis)).filesRedisUri(blankToNull(filesRedis)).promptsTopic(promptsTopic)
                .repliesTopic(repliesTopic).controlTopic(controlTopic).modelsTopic(modelsTopic).models(models)
                .keys(keys()).requestTimeout(Duration.ofSeconds(requestTimeoutSeconds)).maxInFlight(maxInFlight)
                .maxBodyBytes(maxBodyBytes).maxJsonDepth(maxJsonDepth)
                .maxJsonStringChars(maxJsonStringChars).bodyIdleTimeout(Duration.ofSeconds(bodyIdleTimeoutSeconds))
                .minBodyRate(minBodyRate, GatewayConfig.DEFAULT_BODY_RATE_GRACE).maxConnections(maxConnections)
                .tenantMaxInFlight(tenantMaxInFlight).tenantMaxStreams(tenantMaxStreams)
                .admission(new AdmissionPolicy(admissionMaxWaitingTurns, admissionMaxTenantWaitingTurns,
                        admissionMaxWaitingPromptTokens, admissionDeadline,
                        Duration.ofSeconds(admissionMaxRetryAfterSeconds)))
                .kafkaProperties(kafkaProperties(env))
                .redisConnector(uri -> RedisConnector.connect(uri, redisSettings))
                .storage(new StorageLimits(maxUploadMb << 20, tenantStorageMb << 20, tenantFiles, tenantBatches,
                        Duration.ofDays(fileTtlDays), Duration.ofDays(fileTtlDays)))
                .responses(new ResponsesSettings(Duration.ofDays(responseRetentionDays), tenantResponses,
                        Duration.ofHours(idempotencyWindowHours), ResponsesSettings.DEFAULT_IDEMPOTENCY_MAX_BYTES,
                        ResponsesSettings.DEFAULT_MAX_BACKGROUND))
                .resume(new ResumeSettings(Duration.ofHours(streamRetentionHours),
                        Duration.ofSeconds(streamResumeGraceSeconds)))
                .build();
    }

    /** {@code PARLEY_KAFKA_SECURITY_PROTOCOL=SSL} is {@code security.protocol=SSL}; {@code --kafka} wins. */
    private Map<String, String> kafkaProperties(Map<String, String> env) {
        Map<String, String> properties = new LinkedHashMap<>();
        env.forEach((name, value) -> {
            if (name.startsWith(KAFKA_ENV) && name.length() > KAFKA_ENV.length()) {
                properties.put(name.substring(KAFKA_ENV.length()).toLowerCase(Locale.ROOT).replace('_', '.'), value);
            }
        });
        properties.putAll(kafka);
        return properties;
    }

    private Map<RedisOption, String> redisOptions(Map<String, String> env) {
        Map<RedisOption, String> options = new EnumMap<>(RedisOption.class);
        for (RedisOption option : RedisOption.values()) {
            String value = env.get(option.envVar());
            if (value != null && !value.isBlank()) {
                options.put(option, value);
            }
        }
        redisOptions.forEach((key, value) -> {
            RedisOption option = RedisOption.byKey(key);
            if (option == null) {
                throw new IllegalArgumentException("--redis-option " + key + " is not one of user, password, database, "
                        + "ssl, truststore, truststore-password, connect-timeout, socket-timeout");
            }
            options.put(option, value);
        });
        return options;
    }

    private ApiKeys keys() throws java.io.IOException {
        if (noAuth && !LoopbackScreen.isLoopback(host)) {
            throw new IllegalArgumentException("--no-auth is for loopback development only: it cannot be combined "
                    + "with --host " + host + "; give API keys (--keys-file or " + ApiKeys.ENV + ") to listen there");
        }
        if (noAuth) {
            return ApiKeys.open(new Tenant("default"));
        }
        if (keysFile != null) {
            return ApiKeys.fromFile(keysFile);
        }
        String env = System.getenv(ApiKeys.ENV);
        if (env == null || env.isBlank()) {
            throw new IllegalArgumentException("no API keys: give --keys-file, set " + ApiKeys.ENV
                    + "=tenant=key[,...], or --no-auth for local development");
        }
        return ApiKeys.fromEnv(env);
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }
}
