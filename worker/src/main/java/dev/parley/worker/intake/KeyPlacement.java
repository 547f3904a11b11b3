package dev.parley.worker.intake;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a conversation's records belong: the partition Kafka's Java producer picks for a key (murmur2). A producer
 * with another partitioner (librdkafka's default {@code consistent_random} is CRC32) puts some of a conversation's
 * turns elsewhere, where another worker could answer them at the same time as this one; such records are forwarded
 * to the partition their key belongs to instead of being answered where they landed.
 */
final class KeyPlacement {

    private static final Logger log = LoggerFactory.getLogger(KeyPlacement.class);
    private static final Duration LOOKUP_TIMEOUT = Duration.ofSeconds(5);

    private final Consumer<String, byte[]> consumer;
    private final String topic;
    private int partitions;

    KeyPlacement(Consumer<String, byte[]> consumer, String topic) {
        this.consumer = consumer;
        this.topic = topic;
    }

    /** Looks up the topic's partition count again (after a rebalance: partitions may have been added). */
    void refresh() {
        try {
            List<PartitionInfo> info = consumer.partitionsFor(topic, LOOKUP_TIMEOUT);
            if (info != null && !info.isEmpty()) {
                partitions = info.size();
            }
        } catch (RuntimeException e) {
            // Keep what was known; until it is known, records are answered where they are (as before this check).
            log.warn("Could not look up the partitions of {} ({}); keeping {}", topic, e.getMessage(), partitions);
        }
    }

    /** The partition a key belongs to, or -1 when the partition count is not known yet. */
    int partitionFor(String key) {
        int count = partitions;
        if (count <= 0 || key == null) {
            return -1;
        }
        return partitionFor(key, count);
    }

    /** The Java producer's choice for a keyed record: murmur2 of the key's bytes, modulo the partition count. */
    static int partitionFor(String key, int partitions) {
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions;
    }
}
