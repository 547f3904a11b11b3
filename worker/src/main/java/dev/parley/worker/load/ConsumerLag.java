package dev.parley.worker.load;

import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;

/**
 * Records on a consumer's assigned partitions not read yet, from the lag the consumer records on every fetch (its
 * {@code records-lag} per partition). Unlike {@code currentLag}, the metrics may be read from any thread, so the
 * announcer needs nothing from the intake thread that owns the consumer, and it asks the broker nothing.
 */
public final class ConsumerLag {

    private static final String GROUP = "consumer-fetch-manager-metrics";
    private static final String LAG = "records-lag";

    private ConsumerLag() {
    }

    /** The sum over the partitions the consumer has fetched from (0 before its first fetch). */
    public static long unread(Consumer<?, ?> consumer) {
        return unread(consumer.metrics());
    }

    static long unread(Map<MetricName, ? extends Metric> metrics) {
        long total = 0;
        for (Map.Entry<MetricName, ? extends Metric> metric : metrics.entrySet()) {
            MetricName name = metric.getKey();
            if (name.name().equals(LAG) && name.group().equals(GROUP) && name.tags().containsKey("partition")
                    && metric.getValue().metricValue() instanceof Double lag && lag > 0) { // NaN until fetched
                total += Math.round(lag);
            }
        }
        return total;
    }
}
