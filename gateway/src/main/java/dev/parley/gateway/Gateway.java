package dev.parley.gateway;

import dev.parley.client.ParleyClient;
import dev.parley.gateway.admission.Admission;
import dev.parley.gateway.admission.AdmissionMetrics;
import dev.parley.gateway.batch.BatchApi;
import dev.parley.gateway.batch.BatchSettings;
import dev.parley.gateway.chat.ChatCompletionsRoute;
import dev.parley.gateway.conversation.ConversationIndex;
import dev.parley.gateway.conversation.ConversationResolver;
import dev.parley.gateway.conversation.RedisHistoryReader;
import dev.parley.gateway.http.JsonErrorHandler;
import dev.parley.gateway.http.LoopbackScreen;
import dev.parley.gateway.http.Router;
import dev.parley.gateway.idempotency.IdempotencyKeys;
import dev.parley.gateway.limits.InFlightLimit;
import dev.parley.gateway.limits.TenantPermits;
import dev.parley.gateway.models.ModelCatalog;
import dev.parley.gateway.ops.GatewayHealth;
import dev.parley.gateway.ops.GatewayMetrics;
import dev.parley.gateway.ops.OpsRoutes;
import dev.parley.gateway.responses.ResponsesApi;
import dev.parley.gateway.resume.StreamJournal;
import dev.parley.gateway.resume.StreamResumer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.util.Map;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.RedisClient;

/**
 * The OpenAI-compatible gateway: a Jetty server whose routes speak OpenAI's HTTP API and send through one
 * {@link ParleyClient}. It keeps no state of its own apart from Redis, so several run side by side behind a load
 * balancer.
 *
 * <pre>{@code
 * try (Gateway gateway = Gateway.start(GatewayConfig.builder().bootstrapServers(bootstrap).redisUri(redis)
 *         .keys(ApiKeys.fromEnv(System.getenv(ApiKeys.ENV))).build())) {
 *     System.out.println(gateway.baseUrl());   // http://127.0.0.1:8080/v1
 * }
 * }</pre>
 */
public final class Gateway implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Gateway.class);

    private final GatewayConfig config;
    private final ParleyClient client;
    private final RedisClient redis;
    private final RedisClient filesRedis;
    private final Server server;
    private final ServerConnector connector;
    private final PrometheusMeterRegistry registry;
    private final BatchApi batches;
    private final ResponsesApi responses;
    private final StreamResumer resumer;
    private final GatewayMetrics metrics;
    private final GatewayHealth health;

    private Gateway(GatewayConfig config, ParleyClient client, RedisClient redis, RedisClient filesRedis,
                    PrometheusMeterRegistry registry) {
        this.config = config;
        this.client = client;
        this.redis = redis;
        this.filesRedis = filesRedis;
        this.registry = registry;
        GatewayMetrics metrics = new GatewayMetrics(registry);
        this.metrics = metrics;

        this.server = server(config);
        this.connector = connector(server, config);
        server.addConnector(connector);
        server.addBean(new NetworkConnectionLimit(config.maxConnections(), server));

        ModelCatalog models = new ModelCatalog(config.models(), client::servedModels, client::servedModel,
                System.currentTimeMillis() / 1000);
        RedisHistoryReader history = redis == null ? null : new RedisHistoryReader(redis);
        ConversationResolver resolver = redis == null ? new ConversationResolver(null, null)
                : new ConversationResolver(history, new ConversationIndex(redis, config.conversationTtl()));
        TenantPermits tenantPermits = new TenantPermits(config.tenantMaxInFlight(), config.tenantMaxStreams(),
                metrics::refused);
        InFlightLimit inFlight = new InFlightLimit(config.maxInFlight(), metrics);
        Admission admission = new Admission(config.admission(), client::modelLoad,
                new AdmissionMetrics(registry, metrics::refused), Clock.systemUTC());
        this.resumer = redis == null ? null : resumer(config, client, redis);
        ChatCompletionsRoute chat = new ChatCompletionsRoute(client, models, resolver, metrics, config.requestTimeout(),
                inFlight, config.pingInterval(), tenantPermits, admission, Clock.systemUTC(), resumer);
        this.health = new GatewayHealth(() -> client.health().healthy(), redis == null ? null : this::redisReachable,
                config.healthCheckInterval());
        OpsRoutes ops = new OpsRoutes(registry, health);
        Router router = router(config, metrics, tenantPermits);
        IdempotencyKeys idempotency = redis == null ? null
                : new IdempotencyKeys(redis, config.responses(), config.requestTimeout(), metrics);
        router.add("POST", "/v1/chat/completions", idempotency == null ? chat
                        : idempotency.wrap("/v1/chat/completions", chat))
                .add("GET", "/v1/models", models::list)
                .add("GET", "/v1/models/{id}", models::get)
                .addOpen("GET", "/health", ops::health)
                .addOpen("GET", "/metrics", ops::metrics)
                .addOpen("GET", "/openapi.json", ops::openapi);
        this.batches = redis == null ? null : new BatchApi(filesRedis != null ? filesRedis : redis, client, models,
                metrics, batchSettings(config));
        if (batches != null) {
            batches.addRoutes(router);
        }
        // Stored responses live beside the histories they continue.
        this.responses = redis == null ? null : new ResponsesApi(redis, new ResponsesApi.Shared(client, models,
                resolver, history, metrics, inFlight, tenantPermits, admission, config.requestTimeout(),
                config.pingInterval()),
                config.responses(), resumer, new ResponsesApi.ReplyTopic(config.bootstrapServers(),
                config.kafkaProperties(), config.instanceId(), config.repliesTopic()));
        if (responses != null) {
            responses.addRoutes(router, route -> idempotency.wrap("/v1/responses", route));
        }
        server.setHandler(router);
        server.setErrorHandler(new JsonErrorHandler());
    }

    private static Server server(GatewayConfig config) {
        QueuedThreadPool threads = new QueuedThreadPool(Math.max(16, config.maxInFlight() + 16), 4);
        threads.setName("gateway-http");
        return new Server(threads);
    }

    /** Streams resumable on any gateway: recorded in Redis, replayed from the reply topic. */
    private static StreamResumer resumer(GatewayConfig config, ParleyClient client, RedisClient redis) {
        return new StreamResumer(new StreamJournal(redis, config.resume().retention()), client,
                StreamResumer.consumers(config.bootstrapServers(), config.kafkaProperties(), config.instanceId()),
                config.repliesTopic(), config.resume().grace(), config.pingInterval(), Clock.systemUTC());
    }

    private static ServerConnector connector(Server server, GatewayConfig config) {
        HttpConfiguration http = new HttpConfiguration();
        http.setRequestHeaderSize(config.maxRequestHeaderBytes());
        http.setSendServerVersion(false);
        ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
        connector.setHost(config.host());
        connector.setPort(config.port());
        // A request may wait for its first token this long; pings keep streams alive within it. A slow body is cut
        // off sooner, by the body limits.
        connector.setIdleTimeout(config.requestTimeout().plusSeconds(30).toMillis());
        return connector;
    }

    private static Router router(GatewayConfig config, GatewayMetrics metrics, TenantPermits tenantPermits) {
        Router router = new Router(exchange -> exchange.attach(config.keys().authenticate(exchange.header("Authorization"))),
                metrics, config.bodyLimits());
        router.admission(exchange -> tenantPermits.request(exchange.attachment()));
        if (!config.keys().required()) {
            router.screen(new LoopbackScreen(config.host(), Map.of(GatewayConfig.UPLOAD_ROUTE, "multipart/form-data")));
        }
        return router;
    }

    private static BatchSettings batchSettings(GatewayConfig config) {
        return new BatchSettings(config.instanceId(), config.batchLease(), config.batchScanInterval(),
                config.batchInFlight(), config.requestTimeout(), config.batchMaxFailedRuns(),
                config.batchRateLimitRetries(), config.batchRetryMaxWait(), config.storage());
    }

    /** The gateway's own Kafka client: the pool's topics, plus the configured client properties (TLS, SASL). */
    static ParleyClient.Builder clientBuilder(GatewayConfig config) {
        ParleyClient.Builder builder = ParleyClient.builder().bootstrapServers(config.bootstrapServers())
                .promptsTopic(config.promptsTopic()).repliesTopic(config.repliesTopic())
                .controlTopic(config.controlTopic()).modelsTopic(config.modelsTopic())
                .replyTimeout(config.requestTimeout())
                .clientId(config.instanceId());
        config.kafkaProperties().forEach(builder::kafkaProperty);
        return builder;
    }

    /** Connects to the pool (and Redis, if configured) and starts serving. */
    public static Gateway start(GatewayConfig config) {
        ParleyClient client = clientBuilder(config).build();
        RedisClient redis = null;
        RedisClient filesRedis = null;
        Gateway gateway = null;
        try {
            redis = config.redisUri() == null ? null : config.redisConnector().apply(config.redisUri());
            filesRedis = config.redisUri() == null || config.filesRedisUri() == null ? null
                    : config.redisConnector().apply(config.filesRedisUri());
            gateway = new Gateway(config, client, redis, filesRedis,
                    new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
            gateway.server.start();
            if (gateway.batches != null) {
                gateway.batches.start();
            }
            if (gateway.responses != null) {
                gateway.responses.start();
            }
            log.info("Gateway {} serving {} and the models announced on {} on {} (auth {})", config.instanceId(),
                    config.models(), config.modelsTopic(), gateway.baseUrl(),
                    config.keys().required() ? "by API key" : "off");
            if (!LoopbackScreen.isLoopback(config.host())) {
                log.warn("The gateway listens on {} in plain HTTP: API keys and conversations cross the network in "
                        + "cleartext unless a TLS proxy is in front of it", config.host());
            }
            return gateway;
        } catch (Exception e) {
            if (gateway != null) {
                gateway.close();
            } else {
                client.close();
                if (redis != null) {
                    redis.close();
                }
                if (filesRedis != null) {
                    filesRedis.close();
                }
            }
            throw new IllegalStateException("could not start the gateway on " + config.host() + ":" + config.port()
                    + ": " + e.getMessage(), e);
        }
    }

    /** The port it listens on (the one chosen when configured as 0). */
    public int port() {
        return connector.getLocalPort();
    }

    /** What an OpenAI client takes as its base URL: {@code http://host:port/v1}. */
    public String baseUrl() {
        return "http://" + config.host() + ":" + port() + "/v1";
    }

    /** The gateway's meters (also served on {@code /metrics}). */
    public GatewayMetrics metrics() {
        return metrics;
    }

    public GatewayConfig config() {
        return config;
    }

    private boolean redisReachable() {
        if (redis == null) {
            return true;
        }
        try {
            return "PONG".equals(redis.ping());
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Stops taking requests, lets batch work hand back its leases, closes the client and Redis. */
    @Override
    public void close() {
        try {
            if (batches != null) {
                batches.close();
            }
            server.stop();
            if (responses != null) {
                responses.close();
            }
            if (resumer != null) {
                resumer.close();
            }
            health.close();
        } catch (Exception e) {
            log.warn("gateway did not stop cleanly: {}", e.getMessage());
        } finally {
            client.close();
            if (redis != null) {
                redis.close();
            }
            if (filesRedis != null) {
                filesRedis.close();
            }
            registry.close();
        }
    }
}
