package dev.parley.worker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SettingsLoaderTest {

    @TempDir
    Path tmp;

    private static final Map<String, String> REQUIRED = Map.of("bootstrap", "localhost:9092", "redis", "redis://localhost:6379");

    @Test
    void defaultsApplyWhenNothingIsGiven() {
        Settings settings = new SettingsLoader().flags(REQUIRED).load();

        assertThat(settings.has(Setting.SLOTS)).as("chosen by the device at load").isFalse();
        assertThat(settings.duration(Setting.HISTORY_TTL)).isEqualTo(Duration.ofDays(7));
        assertThat(settings.text(Setting.MODEL)).isEqualTo("smollm2-135m");
        assertThat(settings.has(Setting.THREADS)).isFalse();
        assertThat(settings.workerConfig().partitions()).isEqualTo(12);
    }

    @Test
    void fileThenEnvironmentThenFlagsThenProgram() throws Exception {
        Path file = Files.writeString(tmp.resolve("parley.properties"), """
                bootstrap=file:9092
                redis=redis://file:6379
                slots=2
                partitions=3
                max-buffered=10
                kafka.security.protocol=SSL
                redis.password=from-file
                """);

        Settings settings = new SettingsLoader()
                .file(file)
                .environment(Map.of("PARLEY_SLOTS", "5", "PARLEY_PARTITIONS", "6", "PARLEY_KAFKA_SSL_TRUSTSTORE_LOCATION", "/t.jks",
                        "PARLEY_REDIS_USER", "worker", "PARLEY_REDIS_SERVER", "/usr/bin/redis-server", "HOME", "/root"))
                .flags(Map.of("slots", "7"))
                .override(Setting.BOOTSTRAP, "program:9092")
                .load();

        assertThat(settings.integer(Setting.SLOTS)).as("flag over env over file").isEqualTo(7);
        assertThat(settings.integer(Setting.PARTITIONS)).as("env over file").isEqualTo(6);
        assertThat(settings.integer(Setting.MAX_BUFFERED)).as("file over default").isEqualTo(10);
        assertThat(settings.text(Setting.BOOTSTRAP)).isEqualTo("program:9092");
        assertThat(settings.kafka()).containsEntry("security.protocol", "SSL").containsEntry("ssl.truststore.location", "/t.jks");
        assertThat(settings.redis()).containsEntry(RedisOption.PASSWORD, "from-file").containsEntry(RedisOption.USER, "worker")
                .hasSize(2);
        assertThat(settings.workerConfig().kafka()).containsEntry("security.protocol", "SSL");
    }

    @Test
    void everyProblemIsReportedAtOnceNamingSourceKeyAndValue() throws Exception {
        Path file = Files.writeString(tmp.resolve("bad.properties"), "slot=3\nhistory-ttl=forever\nredis.pasword=x\n");

        assertThatThrownBy(() -> new SettingsLoader().file(file)
                .environment(Map.of("PARLEY_PARTITIONS", "0"))
                .flags(Map.of("kv-cache-type", "q5", "http-port", "70000"))
                .load())
                .isInstanceOf(SettingsException.class)
                .hasMessageContaining("bad.properties: unknown setting 'slot' (did you mean 'slots'?)")
                .hasMessageContaining("history-ttl='forever' not a duration")
                .hasMessageContaining("unknown Redis option 'pasword'")
                .hasMessageContaining("PARLEY_PARTITIONS: partitions='0' must be >= 1")
                .hasMessageContaining("--kv-cache-type: kv-cache-type='q5' must be one of [f16, q8_0, q4_0]")
                .hasMessageContaining("http-port='70000'")
                .hasMessageContaining("bootstrap is required: give --bootstrap, PARLEY_BOOTSTRAP");
    }

    @Test
    void credentialsInAnInvalidValueAreMasked() {
        assertThatThrownBy(() -> new SettingsLoader().flags(Map.of("bootstrap", "b:1", "redis", "http://user:hunter2@redis:6379")).load())
                .hasMessageContaining("redis='http://***@redis:6379'")
                .hasMessageNotContaining("hunter2");
    }

    @Test
    void quotasReachTheWorkerConfigAndBadOnesAreNamed() {
        var quotas = new SettingsLoader().flags(REQUIRED)
                .environment(Map.of("PARLEY_QUOTA_TENANTS", "acme=60000/20000,vip=unlimited/unlimited",
                        "PARLEY_QUOTA_DEFAULT", "1000/unlimited"))
                .load().workerConfig().quotas();

        assertThat(quotas.limitFor("acme")).isEqualTo(new dev.parley.worker.quota.QuotaLimit(60000, 20000));
        assertThat(quotas.limitFor("vip").limits()).isFalse();
        assertThat(quotas.limitFor("anyone")).isEqualTo(new dev.parley.worker.quota.QuotaLimit(1000, 0));
        assertThat(new SettingsLoader().flags(REQUIRED).load().workerConfig().quotas().active()).isFalse();
        assertThatThrownBy(() -> new SettingsLoader().flags(REQUIRED)
                .environment(Map.of("PARLEY_QUOTA_TENANTS", "acme=lots/1")).load())
                .hasMessageContaining("PARLEY_QUOTA_TENANTS: quota-tenants='acme=lots/1'").hasMessageContaining("'lots'");
    }

    @Test
    void durationsReadBothWays() {
        assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(Durations.parse("PT30S")).isEqualTo(Duration.ofSeconds(30));
        assertThat(Durations.parse("7d")).isEqualTo(Duration.ofDays(7));
        assertThatThrownBy(() -> Durations.parse("soon")).hasMessageContaining("not a duration");
    }
}
