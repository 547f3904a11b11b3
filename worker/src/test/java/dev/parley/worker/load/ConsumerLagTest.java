package dev.parley.worker.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.junit.jupiter.api.Test;

/** The lag summed from a consumer's fetch metrics: per-partition lags only, NaN (not fetched yet) as nothing. */
class ConsumerLagTest {

    private static Metric value(Object value) {
        return new Metric() {
            @Override
            public MetricName metricName() {
                throw new UnsupportedOperationException();
            }

            @Override
            public Object metricValue() {
                return value;
            }
        };
    }

    private static MetricName name(String name, String group, Map<String, String> tags) {
        return new MetricName(name, group, "", tags);
    }

    @Test
    void theLagsOfThePartitionsAreSummed() {
        Map<MetricName, Metric> metrics = new LinkedHashMap<>();
        metrics.put(name("records-lag", "consumer-fetch-manager-metrics", Map.of("topic", "p", "partition", "0")),
                value(3.0));
        metrics.put(name("records-lag", "consumer-fetch-manager-metrics", Map.of("topic", "p", "partition", "1")),
                value(4.0));
        metrics.put(name("records-lag", "consumer-fetch-manager-metrics", Map.of("topic", "p", "partition", "2")),
                value(Double.NaN));
        metrics.put(name("records-lag-max", "consumer-fetch-manager-metrics", Map.of()), value(40.0));
        metrics.put(name("records-lag", "other-group", Map.of("partition", "0")), value(50.0));

        assertThat(ConsumerLag.unread(metrics)).isEqualTo(7);
    }
}
