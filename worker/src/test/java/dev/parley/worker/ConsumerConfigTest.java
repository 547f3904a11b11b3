package dev.parley.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.worker.config.SettingsException;
import dev.parley.worker.config.WorkerConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.junit.jupiter.api.Test;

/** The prompts consumer's settings under both group protocols (docs/scaling.md promises both work). */
class ConsumerConfigTest {

    private static WorkerConfig.Builder config() {
        return WorkerConfig.builder().bootstrapServers("localhost:9092").redisUri("redis://localhost:6379");
    }

    @Test
    void theClassicProtocolRebalancesCooperatively() {
        assertThat(KafkaClientConfigs.consumer(config().build()))
                .containsEntry(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG,
                        CooperativeStickyAssignor.class.getName());
    }

    @Test
    void theConsumerProtocolLeavesAssignmentToTheBroker() {
        assertThat(KafkaClientConfigs.consumer(config().kafka("group.protocol", "consumer").build()))
                .doesNotContainKey(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG);
    }

    @Test
    void clientSettingsTheConsumerProtocolRejectsAreNamedWithTheirBrokerSide() {
        assertThatThrownBy(() -> KafkaClientConfigs.consumer(config().kafka("group.protocol", "consumer")
                .kafka("session.timeout.ms", "60000").build()))
                .isInstanceOf(SettingsException.class)
                .hasMessageContaining("kafka.session.timeout.ms")
                .hasMessageContaining("group.consumer.session.timeout.ms");
    }
}
