package dev.parley.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.gateway.auth.ApiKeys;
import dev.parley.gateway.openai.Json;
import dev.parley.testkit.kafka.KafkaBroker;
import dev.parley.testkit.redis.RedisServer;
import dev.parley.testkit.tls.TlsMaterial;
import dev.parley.worker.config.RedisOption;
import dev.parley.worker.history.RedisConnector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway's own clients reach a Kafka cluster over SASL_SSL and a Redis over TLS with a password (audit H6):
 * the Kafka properties and Redis options it is given reach its ParleyClient and its Redis connections.
 */
class GatewaySecurityTest {

    private static final String KAFKA_PASSWORD = "gateway-kafka-secret";
    private static final String REDIS_PASSWORD = "gateway-redis-secret";

    @TempDir
    Path tmp;

    private static Map<String, String> saslSsl(TlsMaterial tls, String password) {
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
    void theGatewayTalksSaslSslToKafkaAndTlsToRedis() throws Exception {
        TlsMaterial tls = TlsMaterial.create(tmp.resolve("tls"));
        try (KafkaBroker broker = KafkaBroker.launchWithSaslSsl(new KafkaBroker.SecureListener(tls.serverKeyStore(),
                     TlsMaterial.PASSWORD, Map.of("parley", KAFKA_PASSWORD)));
             RedisServer redis = RedisServer.launch(REDIS_PASSWORD, tls)) {
            Map<String, Object> admin = new LinkedHashMap<>(saslSsl(tls, KAFKA_PASSWORD));
            admin.put("bootstrap.servers", broker.secureBootstrapServers());
            try (Admin topics = Admin.create(admin)) {
                topics.createTopics(List.of(new NewTopic("sec.prompts", 1, (short) 1),
                        new NewTopic("sec.replies", 1, (short) 1), new NewTopic("sec.control", 1, (short) 1)))
                        .all().get();
            }
            Map<RedisOption, String> redisOptions = Map.of(RedisOption.PASSWORD, REDIS_PASSWORD,
                    RedisOption.TRUSTSTORE, tls.trustStore().toString(),
                    RedisOption.TRUSTSTORE_PASSWORD, TlsMaterial.PASSWORD);
            GatewayConfig.Builder config = GatewayConfig.builder().port(0)
                    .bootstrapServers(broker.secureBootstrapServers()).redisUri("rediss://127.0.0.1:" + redis.port())
                    .redisConnector(uri -> RedisConnector.connect(uri, redisOptions))
                    .promptsTopic("sec.prompts").repliesTopic("sec.replies").controlTopic("sec.control")
                    .modelsTopic("sec.models").models(List.of("m")).keys(ApiKeys.parse(List.of("t=sk-secure")));

            try (Gateway gateway = Gateway.start(config.kafkaProperties(saslSsl(tls, KAFKA_PASSWORD)).build())) {
                HttpClient http = HttpClient.newHttpClient();
                HttpResponse<String> upload = http.send(HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/files"))
                        .header("Authorization", "Bearer sk-secure")
                        .header("Content-Type", "multipart/form-data; boundary=s")
                        .POST(HttpRequest.BodyPublishers.ofString("--s\r\nContent-Disposition: form-data; "
                                + "name=\"purpose\"\r\n\r\nbatch\r\n--s\r\nContent-Disposition: form-data; name=\"file\"; "
                                + "filename=\"a.jsonl\"\r\n\r\n{}\r\n--s--\r\n")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(upload.statusCode()).as("stored in Redis over TLS: " + upload.body()).isEqualTo(200);
                HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(
                        gateway.baseUrl().replace("/v1", "/health"))).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(health.statusCode()).as(health.body()).isEqualTo(200);
                assertThat(Json.mapper().readTree(upload.body()).get("bytes").asInt()).isEqualTo(2);
            }
            // The properties are what the client uses: the wrong password is refused by the broker.
            assertThatThrownBy(() -> Gateway.start(config.kafkaProperties(saslSsl(tls, "wrong")).build()).close())
                    .hasStackTraceContaining("Authentication failed");
        }
    }
}
