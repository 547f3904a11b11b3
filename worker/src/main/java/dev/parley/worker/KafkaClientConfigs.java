package dev.parley.worker;

import dev.parley.worker.config.SettingsException;
import dev.parley.worker.config.WorkerConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * The worker's Kafka clients' configurations: each starts from the {@code kafka.*} settings (TLS, SASL, tuning) and
 * the bootstrap servers, and sets what that client needs.
 */
final class KafkaClientConfigs {

    private KafkaClientConfigs() {
    }

    static Map<String, Object> common(WorkerConfig config) {
        Map<String, Object> props = new HashMap<>(config.kafka());
        props.put("bootstrap.servers", config.bootstrapServers());
        return props;
    }

    static Map<String, Object> producer(WorkerConfig config) {
        Map<String, Object> props = common(config);
        props.put(ProducerConfig.CLIENT_ID_CONFIG, config.workerId() + "-producer");
        props.putIfAbsent(ProducerConfig.ACKS_CONFIG, "all");
        props.putIfAbsent(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 1);
        return props;
    }

    /**
     * The dead-letter and forward producer's configuration: {@code max.block.ms} is relay-max-block, so a send to a
     * missing or unreachable topic fails soon (and is retried with backoff) instead of holding the relay's thread for
     * a minute. {@code kafka.max.block.ms} is the main producer's and does not apply here.
     */
    static Map<String, Object> relayProducer(WorkerConfig config) {
        Map<String, Object> props = producer(config);
        props.put(ProducerConfig.CLIENT_ID_CONFIG, config.workerId() + "-relay");
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, config.relayMaxBlock().toMillis());
        return props;
    }

    /**
     * The probe's configuration: a consumer of the prompts topic outside the group, one record per poll, that finds a
     * record the intake's poll cannot hand over (see {@code UnreadableRecords}).
     */
    static Map<String, Object> probe(WorkerConfig config) {
        Map<String, Object> props = common(config);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, config.workerId() + "-probe");
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        props.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        props.remove(ConsumerConfig.GROUP_PROTOCOL_CONFIG);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        return props;
    }

    /** The control listener's consumer: it reads the control topic from the end, outside any group. */
    static Map<String, Object> control(WorkerConfig config) {
        Map<String, Object> props = common(config);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, config.workerId() + "-control");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        return props;
    }

    /** The prompts consumer's {@code max.poll.records}: the intake's search for an unreadable record reads as far. */
    static int maxPollRecords(WorkerConfig config) {
        return Integer.parseInt(String.valueOf(consumer(config).get(ConsumerConfig.MAX_POLL_RECORDS_CONFIG)).trim());
    }

    /**
     * The prompts consumer's configuration. With the classic group protocol, cooperative rebalancing; with KIP-848's
     * {@code group.protocol=consumer} the broker assigns, and the client settings that protocol rejects (assignor,
     * session timeout, heartbeat interval) are refused here with the broker-side setting to use instead.
     */
    static Map<String, Object> consumer(WorkerConfig config) {
        Map<String, Object> props = common(config);
        boolean brokerAssigned = "consumer".equalsIgnoreCase(
                String.valueOf(props.getOrDefault(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "classic")).trim());
        if (brokerAssigned) {
            List<String> problems = new ArrayList<>();
            for (String[] unsupported : new String[][] {
                    {ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "group.consumer.session.timeout.ms"},
                    {ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "group.consumer.heartbeat.interval.ms"},
                    {ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, "group.consumer.assignors"}}) {
                if (props.containsKey(unsupported[0])) {
                    problems.add("kafka." + unsupported[0] + " is not a client setting with group.protocol=consumer;"
                            + " set " + unsupported[1] + " on the broker instead");
                }
            }
            if (!problems.isEmpty()) {
                throw new SettingsException(problems);
            }
        }
        props.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId());
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, config.workerId() + "-consumer");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // Cooperative rebalancing: partitions that stay keep their turns (and warm caches) running.
        if (!brokerAssigned) {
            props.putIfAbsent(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG,
                    CooperativeStickyAssignor.class.getName());
        }
        props.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Math.max(1, Math.min(500, config.maxBufferedRecords())));
        if (config.groupInstanceId() != null) {
            props.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, config.groupInstanceId());
        }
        return props;
    }
}
