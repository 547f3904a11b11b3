package dev.parley.worker.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.parley.schemas.Cancel;
import dev.parley.schemas.codec.WireJson;
import dev.parley.worker.health.HealthMonitor;
import dev.parley.worker.health.WatchedPart;
import dev.parley.worker.history.HistoryUnavailableException;
import dev.parley.worker.metrics.WorkerMetrics;
import dev.parley.worker.retry.Backoff;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The control listener's rounds on Kafka's MockConsumer, driven from the test thread with a settable clock. */
class ControlListenerTest {

    private static final String TOPIC = "control";
    private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);

    private final MockConsumer<String, byte[]> consumer = new MockConsumer<>("latest");
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final Cancellations cancellations = new Cancellations();
    private final AtomicLong nanos = new AtomicLong(1_000);
    private final List<String> stored = new ArrayList<>();
    private int storeFailuresLeft;
    private final ControlListener listener = new ControlListener(consumer, (conversation, request) -> {
        if (storeFailuresLeft > 0) {
            storeFailuresLeft--;
            throw new HistoryUnavailableException("redis away", null);
        }
        stored.add(request);
    }, cancellations, new WorkerMetrics(registry), new Backoff(Duration.ZERO, Duration.ZERO), nanos::get);
    private long nextOffset;

    /** An Error of the kind nothing should catch (an OutOfMemoryError would end the test JVM). */
    private static final class InjectedFault extends Error {
        private static final long serialVersionUID = 1L;

        InjectedFault() {
            super("injected fault");
        }
    }

    @BeforeEach
    void assign() {
        Node node = new Node(0, "localhost", 9092);
        consumer.updatePartitions(TOPIC, List.of(new PartitionInfo(TOPIC, 0, node, new Node[]{node}, new Node[]{node})));
        consumer.updateEndOffsets(Map.of(P0, 0L));
        listener.assignFromEnd(TOPIC, Duration.ofSeconds(1));
    }

    @AfterEach
    void close() {
        listener.close();
    }

    private void cancelArrives(String requestId) {
        byte[] value = WireJson.toBytes(Cancel.of(requestId, "conv-1", null));
        consumer.addRecord(new ConsumerRecord<>(TOPIC, 0, nextOffset++, "conv-1", value));
    }

    private double retries(String loop) {
        var counter = registry.find("parley.retries").tag("loop", loop).counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void aFailedRoundIsCountedShowsNoProgressAndTheNextRoundReadsCancellations() {
        nanos.set(5_000);
        consumer.setPollException(new KafkaException("metadata timeout"));

        assertThat(listener.round()).isEqualTo(Duration.ZERO); // this backoff is zero; the pause is tested below
        assertThat(retries("control")).isEqualTo(1);
        assertThat(listener.lastProgressNanos()).isEqualTo(1_000);

        cancelArrives("req-1");
        listener.round();

        assertThat(cancellations.isCancelled("req-1")).isTrue();
        assertThat(stored).containsExactly("req-1");
        assertThat(listener.lastProgressNanos()).isEqualTo(5_000);
        assertThat(retries("control")).isEqualTo(1);
    }

    @Test
    void pausesAfterFailuresInARowGrowUpToTheCap() {
        ControlListener backingOff = new ControlListener(consumer, (c, r) -> { }, cancellations,
                new WorkerMetrics(registry), new Backoff(Duration.ofMillis(100), Duration.ofSeconds(2)), nanos::get);
        Duration previous = Duration.ZERO;
        for (int failure = 1; failure <= 12; failure++) {
            consumer.setPollException(new KafkaException("broker away"));
            Duration pause = backingOff.round();
            assertThat(pause).isBetween(Duration.ofMillis(100), Duration.ofSeconds(3)); // cap plus its jitter
            if (failure <= 3) {
                assertThat(pause).isGreaterThan(previous);
            }
            previous = pause;
        }
        assertThat(retries("control")).isEqualTo(12);
        assertThat(backingOff.isAlive()).isTrue();
    }

    @Test
    void aCancellationTheStoreRefusesIsRetriedWithBackoffAndCounted() {
        storeFailuresLeft = 2;
        cancelArrives("req-2");

        listener.round();

        assertThat(cancellations.isCancelled("req-2")).isTrue();
        assertThat(stored).containsExactly("req-2");
        assertThat(retries("cancel_store")).isEqualTo(2);
    }

    @Test
    void aCancellationTheStoreNeverTakesIsGivenUpAfterBoundedAttemptsAndTheListenerGoesOn() {
        storeFailuresLeft = 100;
        cancelArrives("req-3");

        listener.round();

        assertThat(cancellations.isCancelled("req-3")).as("this worker still acts on it").isTrue();
        assertThat(storeFailuresLeft).isEqualTo(95); // 5 attempts
        assertThat(retries("cancel_store")).isEqualTo(4);

        storeFailuresLeft = 0;
        cancelArrives("req-4");
        listener.round();
        assertThat(stored).containsExactly("req-4");
    }

    @Test
    void invalidRecordsAreSkipped() {
        consumer.addRecord(new ConsumerRecord<>(TOPIC, 0, nextOffset++, "conv-1",
                "{\"type\":\"cancel\"}".getBytes(StandardCharsets.UTF_8)));
        consumer.addRecord(new ConsumerRecord<>(TOPIC, 0, nextOffset++, "conv-1", new byte[]{(byte) 0xff}));
        cancelArrives("req-5");

        assertThat(listener.round()).isZero();
        assertThat(stored).containsExactly("req-5");
        assertThat(retries("control")).isZero();
    }

    @Test
    void anErrorEndsTheThreadAndTheHealthMonitorNamesTheControlPart() {
        HealthMonitor health = new HealthMonitor(Duration.ofSeconds(30), Duration.ofSeconds(30), nanos::get)
                .watch(new WatchedPart("control", listener::isAlive, () -> true, listener::lastProgressNanos));
        assertThat(health.check().healthy()).isTrue();
        consumer.schedulePollTask(() -> {
            throw new InjectedFault();
        });

        listener.startThread("test-control");

        // the injected Error is the point: Awaitility must not rethrow it from the listener thread
        await().dontCatchUncaughtExceptions().atMost(Duration.ofSeconds(30)).until(() -> !listener.isAlive());
        assertThat(health.check().problems()).isEqualTo("control: its thread has stopped");
    }

    @Test
    void roundsThatKeepFailingShowNoProgressSoTheHealthMonitorSeesAStall() {
        HealthMonitor health = new HealthMonitor(Duration.ofSeconds(30), Duration.ofSeconds(30), nanos::get)
                .watch(new WatchedPart("control", listener::isAlive, () -> true, listener::lastProgressNanos));
        for (int i = 0; i < 4; i++) {
            consumer.setPollException(new KafkaException("broker away"));
            listener.round();
            nanos.addAndGet(Duration.ofSeconds(10).toNanos());
        }

        assertThat(health.check().problems()).startsWith("control: no progress for 40 s");
    }
}
