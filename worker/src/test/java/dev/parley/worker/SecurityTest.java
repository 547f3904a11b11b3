package dev.parley.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.parley.client.ParleyClient;
import dev.parley.client.SendOptions;
import dev.parley.schemas.GenerationParams;
import dev.parley.schemas.Reply;
import dev.parley.testkit.kafka.KafkaBroker;
import dev.parley.testkit.redis.RedisServer;
import dev.parley.testkit.tls.TlsMaterial;
import dev.parley.worker.config.RedisOption;
import dev.parley.worker.config.SettingsLoader;
import dev.parley.worker.engine.llama.LlamaCppEngine;
import dev.parley.worker.history.RedisConnector;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Kafka over SASL_SSL (PLAIN) and Redis over TLS with a password, for the worker and the SDK, on loopback; and no
 * prompt text, reply text or secret in the logs at INFO or above.
 */
@ExtendWith(EngineExtension.class)
class SecurityTest {

    private static final String KAFKA_PASSWORD = "kafka-Secret-4711";
    private static final String REDIS_PASSWORD = "redis-Secret-0815";
    private static final String PROMPT_TEXT = "my-private-question-3141";

    @TempDir
    Path tmp;

    private static Map<String, String> clientSecurity(TlsMaterial tls, String password) {
        Map<String, String> kafka = new LinkedHashMap<>();
        kafka.put("security.protocol", "SASL_SSL");
        kafka.put("sasl.mechanism", "PLAIN");
        kafka.put("sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required "
                + "username=\"parley\" password=\"" + password + "\";");
        kafka.put("ssl.truststore.location", tls.trustStore().toString());
        kafka.put("ssl.truststore.password", TlsMaterial.PASSWORD);
        kafka.put("ssl.truststore.type", "PKCS12");
        return kafka;
    }

    @Test
    void workerAndClientTalkOverSaslSslAndRedisTlsWithoutLeakingSecretsOrText(@EngineExtension.Tiny LlamaCppEngine engine)
            throws Exception {
        TlsMaterial tls = TlsMaterial.create(tmp.resolve("tls"));
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        root.addAppender(logs);
        try (KafkaBroker broker = KafkaBroker.launchWithSaslSsl(new KafkaBroker.SecureListener(tls.serverKeyStore(),
                     TlsMaterial.PASSWORD, Map.of("parley", KAFKA_PASSWORD)));
             RedisServer redis = RedisServer.launch(REDIS_PASSWORD, tls)) {
            String redisUri = "rediss://127.0.0.1:" + redis.port();
            SettingsLoader settings = new SettingsLoader().flags(Map.of(
                    "bootstrap", broker.secureBootstrapServers(), "redis", redisUri, "worker-id", "secure-worker",
                    "partitions", "2", "group-id", "secure-workers"))
                    .kafkaFlags(clientSecurity(tls, KAFKA_PASSWORD))
                    .redisFlags(Map.of(RedisOption.PASSWORD.key(), REDIS_PASSWORD,
                            RedisOption.TRUSTSTORE.key(), tls.trustStore().toString(),
                            RedisOption.TRUSTSTORE_PASSWORD.key(), TlsMaterial.PASSWORD));
            try (Worker worker = Worker.start(settings.load().workerConfig(), engine, new SimpleMeterRegistry())) {
                ParleyClient.Builder client = ParleyClient.builder().bootstrapServers(broker.secureBootstrapServers());
                clientSecurity(tls, KAFKA_PASSWORD).forEach(client::kafkaProperty);
                try (ParleyClient parley = client.build()) {
                    Reply reply = parley.send("secure-conversation", PROMPT_TEXT, SendOptions.builder()
                            .params(GenerationParams.DEFAULTS.withMaxTokens(8)).build()).join();
                    assertThat(reply.isOk()).isTrue();
                    assertThat(worker.readiness().redisReachable()).isTrue();
                    String replyText = reply.content();

                    // The wrong password is refused.
                    ParleyClient.Builder intruder = ParleyClient.builder()
                            .bootstrapServers(broker.secureBootstrapServers()).startTimeout(Duration.ofSeconds(10));
                    clientSecurity(tls, "wrong").forEach(intruder::kafkaProperty);
                    assertThatThrownBy(intruder::build).hasMessageContaining("Authentication failed");
                    try (var anonymous = RedisConnector.connect(redisUri, Map.of(
                            RedisOption.TRUSTSTORE, tls.trustStore().toString(),
                            RedisOption.TRUSTSTORE_PASSWORD, TlsMaterial.PASSWORD))) {
                        assertThatThrownBy(anonymous::ping).hasMessageContaining("NOAUTH");
                    }

                    for (ILoggingEvent event : logs.list) {
                        if (event.getLevel().isGreaterOrEqual(Level.INFO)) {
                            String line = event.getFormattedMessage()
                                    + (event.getThrowableProxy() == null ? "" : event.getThrowableProxy().getMessage());
                            assertThat(line).doesNotContain(KAFKA_PASSWORD).doesNotContain(REDIS_PASSWORD)
                                    .doesNotContain(PROMPT_TEXT);
                            if (replyText.length() > 12) {
                                assertThat(line).doesNotContain(replyText);
                            }
                        }
                    }
                    assertThat(logs.list).isNotEmpty();
                }
            }
        } finally {
            root.detachAppender(logs);
        }
    }
}
