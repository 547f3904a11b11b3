package dev.parley.testkit.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * Waits for a drill's sends by progress, not by a total: it fails when no send was acknowledged for a quiet period,
 * however long the whole takes. A producer may hold a batch until {@code delivery.timeout.ms} (ten minutes for the
 * drills' raw producers); a batch stuck that long (as with KAFKA-15591's endless OUT_OF_ORDER_SEQUENCE_NUMBER
 * retries) then fails the drill after the quiet period, with the producer's retry and error counts and the
 * caller's diagnostics, instead of after ten minutes.
 */
public final class ProducerAcks {

    private static final long POLL_MILLIS = 200;
    private static final Set<String> METRICS = Set.of("record-send-total", "record-retry-total",
            "record-error-total", "requests-in-flight", "buffer-available-bytes", "batch-split-total");

    private ProducerAcks() {
    }

    /**
     * Each send's metadata, in order. When none completed for {@code quiet}, the producer is closed at once (so the
     * caller's close does not wait for the stuck batch) and an {@link AssertionError} says how many are pending, what
     * the producer counted and {@code diagnostics}. A send that fails fails this with its index.
     */
    public static List<RecordMetadata> await(Producer<?, ?> producer, List<Future<RecordMetadata>> sends,
                                             Duration quiet, Supplier<String> diagnostics) throws InterruptedException {
        List<RecordMetadata> acknowledged = new ArrayList<>(sends.size());
        long lastProgress = System.nanoTime();
        int doneBefore = 0;
        for (int i = 0; i < sends.size(); i++) {
            while (true) {
                try {
                    acknowledged.add(sends.get(i).get(POLL_MILLIS, TimeUnit.MILLISECONDS));
                    break;
                } catch (ExecutionException e) {
                    throw new AssertionError("send #" + i + " of " + sends.size() + " failed: " + e.getCause(), e);
                } catch (TimeoutException e) {
                    int done = (int) sends.stream().filter(Future::isDone).count();
                    if (done > doneBefore) {
                        doneBefore = done;
                        lastProgress = System.nanoTime();
                    } else if (System.nanoTime() - lastProgress > quiet.toNanos()) {
                        String counts = counts(producer);
                        producer.close(Duration.ZERO);
                        throw new AssertionError("no send acknowledged for " + quiet.toSeconds() + " s: "
                                + (sends.size() - done) + " of " + sends.size() + " pending, the first #" + i
                                + "; producer " + counts + " (its and the broker's warnings are in the test's output)"
                                + "\n" + diagnostics.get());
                    }
                }
            }
        }
        return acknowledged;
    }

    /** The producer's totals that tell a stuck batch (retries, errors) from a slow broker (requests in flight). */
    private static String counts(Producer<?, ?> producer) {
        Map<String, Object> counts = new TreeMap<>();
        producer.metrics().forEach((name, metric) -> {
            if (name.group().equals("producer-metrics") && METRICS.contains(name.name())) {
                counts.put(name.name(), metric.metricValue());
            }
        });
        return counts.toString();
    }
}
