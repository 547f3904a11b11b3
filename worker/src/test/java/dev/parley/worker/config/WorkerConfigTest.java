package dev.parley.worker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class WorkerConfigTest {

    private static WorkerConfig.Builder minimal() {
        return WorkerConfig.builder().bootstrapServers("localhost:9092").redisUri("redis://localhost:6379");
    }

    @Test
    void defaults() {
        WorkerConfig config = minimal().build();

        assertThat(config.promptsTopic()).isEqualTo("parley.prompts");
        assertThat(config.repliesTopic()).isEqualTo("parley.replies");
        assertThat(config.deadLetterTopic()).isEqualTo("parley.dlq");
        assertThat(config.partitions()).isEqualTo(12);
        assertThat(config.groupId()).isEqualTo("parley-workers");
        assertThat(config.workerId()).isNotBlank();
        assertThat(config.newBuilder().build().partitions()).isEqualTo(12);
    }

    @Test
    void badValuesAreRefusedNamingTheSettingAndValue() {
        assertThatThrownBy(() -> minimal().partitions(0)).hasMessage("partitions must be >= 1, got 0");
        assertThatThrownBy(() -> minimal().promptsTopic("bad topic")).hasMessageContaining("prompts-topic")
                .hasMessageContaining("'bad topic'");
        assertThatThrownBy(() -> minimal().redisUri("localhost:6379")).hasMessageContaining("'localhost:6379'");
        assertThatThrownBy(() -> minimal().shutdownGrace(Duration.ofSeconds(-1))).hasMessageContaining("shutdown-grace");
        assertThatThrownBy(() -> WorkerConfig.builder().redisUri("redis://x").build()).hasMessage("bootstrap is required");
    }
}
