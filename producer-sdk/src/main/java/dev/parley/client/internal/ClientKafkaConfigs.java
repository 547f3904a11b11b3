package dev.parley.client.internal;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * The Kafka client configurations of a {@code ParleyClient}: the caller's extra properties, then what the client
 * needs of each of its three Kafka clients. Each call returns a fresh map the caller may change.
 */
public final class ClientKafkaConfigs {

    private final String bootstrapServers;
    private final Map<String, Object> extra;
    private final String clientId;

    /**
     * @param bootstrapServers the brokers, {@code host:port[,host:port...]}
     * @param extra            Kafka properties given by the application (security settings, say), applied to all
     * @param clientId         the client's name; each Kafka client gets it with its own suffix
     */
    public ClientKafkaConfigs(String bootstrapServers, Map<String, Object> extra, String clientId) {
        this.bootstrapServers = bootstrapServers;
        this.extra = Map.copyOf(extra);
        this.clientId = clientId;
    }

    /**
     * The producer of prompts and cancels: acknowledged by all replicas and idempotent unless the application says
     * otherwise, so a retried send is neither lost nor written twice; a short linger batches a burst of sends.
     */
    public Map<String, Object> producer() {
        Map<String, Object> config = base(ProducerConfig.CLIENT_ID_CONFIG, "-producer");
        config.putIfAbsent(ProducerConfig.ACKS_CONFIG, "all");
        config.putIfAbsent(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 2);
        return config;
    }

    /** The reply reader: assigned, not in a group, and never committing. */
    public Map<String, Object> replies() {
        Map<String, Object> config = base(ConsumerConfig.CLIENT_ID_CONFIG, "-replies");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // The listener chooses where to go on when a position is lost, rather than let Kafka skip to the end silently.
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
        return config;
    }

    /** The reader of the models topic: read whole, outside any group, and never created by the client. */
    public Map<String, Object> models() {
        Map<String, Object> config = base(ConsumerConfig.CLIENT_ID_CONFIG, "-models");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false); // the workers create it compacted
        config.remove(ConsumerConfig.GROUP_ID_CONFIG);
        return config;
    }

    private Map<String, Object> base(String clientIdKey, String suffix) {
        Map<String, Object> config = new HashMap<>(extra);
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(clientIdKey, clientId + suffix);
        return config;
    }
}
