package dev.parley.client.internal;

import dev.parley.schemas.retry.Backoff;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.PartitionInfo;

/**
 * Waits for a topic's partitions. A topic created a moment ago (by a worker starting beside the client, or by an
 * admin call) is known to the controller before the broker's metadata has it, and the broker answers "unknown"
 * meanwhile; so the question is asked again, with a backoff, until the start timeout.
 */
final class TopicPartitions {

    private TopicPartitions() {
    }

    /** The topic's partitions; fails when it still has none at {@code timeout}. */
    static List<PartitionInfo> await(Consumer<?, ?> consumer, String topic, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (int attempt = 0; ; attempt++) {
            long left = deadline - System.nanoTime();
            List<PartitionInfo> partitions = consumer.partitionsFor(topic, Duration.ofNanos(Math.max(left, 1)));
            if (partitions != null && !partitions.isEmpty()) {
                return partitions;
            }
            Duration pause = Backoff.DEFAULT.delay(attempt);
            if (deadline - System.nanoTime() <= pause.toNanos()) {
                throw new IllegalStateException("reply topic '" + topic + "' does not exist; start a worker (it "
                        + "creates its topics) or create it");
            }
            sleep(pause);
        }
    }

    private static void sleep(Duration pause) {
        try {
            Thread.sleep(pause.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for topic metadata", e);
        }
    }
}
