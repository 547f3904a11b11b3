package dev.parley.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.gateway.GatewayConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code parley gateway} hands Kafka properties, Redis options and storage limits to the gateway (audit H6, H3), and
 * checks its options before anything starts (M3).
 */
class GatewayCommandTest {

    private static GatewayConfig config(Map<String, String> env, String... args) throws Exception {
        GatewayCommand command = new GatewayCommand();
        new CommandLine(command).parseArgs(args);
        return command.config(env);
    }

    @Test
    void kafkaPropertiesComeFromFlagsAndTheEnvironmentAsForTheWorker() throws Exception {
        GatewayConfig config = config(Map.of("PARLEY_KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
                        "PARLEY_KAFKA_SASL_MECHANISM", "PLAIN"),
                "--bootstrap", "b:9093", "--no-auth", "--kafka", "sasl.mechanism=SCRAM-SHA-512",
                "--kafka", "ssl.truststore.location=/etc/ca.p12", "--files-redis", "redis://files:6379",
                "--max-upload-mb", "8", "--tenant-files", "5", "--file-ttl-days", "2",
                "--response-retention-days", "3", "--tenant-responses", "10", "--idempotency-window-hours", "6",
                "--stream-retention-hours", "48", "--stream-resume-grace-seconds", "0");

        assertThat(config.kafkaProperties()).containsEntry("security.protocol", "SASL_SSL")
                .as("a flag wins over the environment").containsEntry("sasl.mechanism", "SCRAM-SHA-512")
                .containsEntry("ssl.truststore.location", "/etc/ca.p12");
        assertThat(config.filesRedisUri()).isEqualTo("redis://files:6379");
        assertThat(config.storage().maxUploadBytes()).isEqualTo(8L << 20);
        assertThat(config.bodyLimits().maxBytesFor(GatewayConfig.UPLOAD_ROUTE))
                .as("one upload limit: the HTTP body limit of /v1/files is the stored file's plus the multipart framing")
                .isBetween(8L << 20, (8L << 20) + (64 << 10));
        assertThat(config.storage().maxFiles()).isEqualTo(5);
        assertThat(config.storage().fileTtl().toDays()).isEqualTo(2);
        assertThat(config.responses().retention().toDays()).isEqualTo(3);
        assertThat(config.responses().maxStoredPerTenant()).isEqualTo(10);
        assertThat(config.responses().idempotencyWindow().toHours()).isEqualTo(6);
        assertThat(config.resume().retention().toHours()).isEqualTo(48);
        assertThat(config.resume().grace()).isZero();
    }

    @Test
    void anUnknownRedisOptionIsRefusedByName() {
        assertThatThrownBy(() -> config(Map.of(), "--bootstrap", "b:9093", "--no-auth", "--redis-option", "tls=yes"))
                .hasMessageContaining("tls");
    }

    @Test
    void noAuthOffLoopbackIsRefusedWithOneMessage() {
        StringWriter err = new StringWriter();
        CommandLine command = new CommandLine(new GatewayCommand()).setErr(new PrintWriter(err));

        int status = command.execute("--bootstrap", "127.0.0.1:1", "--no-auth", "--host", "0.0.0.0");

        assertThat(status).isNotZero();
        assertThat(err.toString()).contains("--no-auth is for loopback development only")
                .contains("--host 0.0.0.0");
    }
}
