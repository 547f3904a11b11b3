package dev.parley.worker.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.parley.schemas.Cancel;
import dev.parley.schemas.codec.WireJson;
import dev.parley.worker.health.HealthMonitor;
import dev.parley.worker.health.WatchedPart;
import dev.parley.worker.history.HistoryUnavailableException;
import dev.parley.worker.metrics.WorkerMetrics;
import dev.parley.schemas.retry.Backoff;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import dev.parley.testkit.redis.RedisServer;
import dev.parley.worker.history.RedisHistoryStore;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
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
    private final List<String> stored = new CopyOnWriteArrayList<>();
    private final AtomicInteger storeFailuresLeft = new AtomicInteger();
    private final ControlListener.CancelLog fakeStore = (conversation, request) -> {
        if (storeFailuresLeft.getAndUpdate(left -> Math.max(0, left - 1)) > 0) {
            throw new HistoryUnavailableException("redis away", null);
        }
        stored.add(request);
    };
    private final ControlListener listener = new ControlListener(consumer, fakeStore, cancellations,
            new WorkerMetrics(registry), new Backoff(Duration.ZERO, Duration.ZERO), nanos::get);
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
        consumer.updatePartitions(TOPIC, List.of(partition(0)));
        consumer.updateEndOffsets(Map.of(P0, 0L));
        listener.assignFromEnd(TOPIC, Duration.ofSeconds(1));
        listener.startStoring("test-cancel-store");
    }

    private static PartitionInfo partition(int number) {
        Node node = new Node(0, "localhost", 9092);
        return new PartitionInfo(TOPIC, number, node, new Node[]{node}, new Node[]{node});
    }

    @AfterEach
    void close() {
        listener.close();
    }

    private void cancelArrives(String requestId) {
        byte[] value = WireJson.toBytes(Cancel.of(requestId, "conv-1", null));
        consumer.addRecord(new ConsumerRecord<>(TOPIC, 0, nextOffset++, "conv-1", value));
    }

    private void awaitStored(String... requestIds) {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(stored).containsExactly(requestIds));
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

        assertThat(cancellations.isCancelled("conv-1", "req-1")).isTrue();
        assertThat(cancellations.isCancelled("conv-2", "req-1")).as("scoped by conversation").isFalse();
        awaitStored("req-1");
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
        storeFailuresLeft.set(2);
        cancelArrives("req-2");

        listener.round();

        assertThat(cancellations.isCancelled("conv-1", "req-2")).isTrue();
        awaitStored("req-2");
        assertThat(retries("cancel_store")).isEqualTo(2);
    }

    /**
     * H7: a Redis outage during a burst of cancels. Before, each cancel tried Redis five times on the listener's
     * thread (with pauses and timeouts), so ~25 of them held one round past stall-timeout and every worker exited.
     */
    @Test
    void aBurstOfCancelsDuringARedisOutageNeverWaitsOnRedisAndReachesItOnceItIsBack() {
        try (RedisServer redis = RedisServer.launch();
             RedisHistoryStore store = RedisHistoryStore.connect(redis.uri(), Duration.ZERO)) {
            Set<String> writingThreads = ConcurrentHashMap.newKeySet();
            ControlListener outage = new ControlListener(consumer, (conversation, request) -> {
                writingThreads.add(Thread.currentThread().getName());
                store.markCancelled(conversation, request);
            }, cancellations, new WorkerMetrics(registry), new Backoff(Duration.ofMillis(10), Duration.ofMillis(200)),
                    nanos::get);
            outage.startStoring("test-outage-store");
            redis.stop();
            for (int i = 0; i < 30; i++) {
                cancelArrives("burst-" + i);
            }
            nanos.set(9_000);

            assertThat(outage.round()).isZero();

            assertThat(outage.lastProgressNanos()).isEqualTo(9_000);
            for (int i = 0; i < 30; i++) {
                assertThat(cancellations.isCancelled("conv-1", "burst-" + i)).as("burst-%d in memory", i).isTrue();
            }
            assertThat(writingThreads).as("Redis is written off the listener's thread")
                    .doesNotContain(Thread.currentThread().getName());
            await().atMost(Duration.ofSeconds(30)).until(() -> retries("cancel_store") >= 2);
            assertThat(outage.waitingToStore()).as("kept while Redis is away").isEqualTo(30);

            redis.start();

            await().atMost(Duration.ofSeconds(60)).until(() -> outage.waitingToStore() == 0);
            for (int i = 0; i < 30; i++) {
                assertThat(store.isCancelled("conv-1", "burst-" + i)).as("burst-%d in Redis", i).isTrue();
            }
            assertThat(registry.find("parley.cancels.unstored").counter()).isNull();
        }
    }

    @Test
    void whenMoreCancelsWaitForRedisThanItsBoundTheOldestAreDroppedAndCounted() {
        storeFailuresLeft.set(0);
        CancelStore bounded = new CancelStore(fakeStore, new WorkerMetrics(registry),
                new Backoff(Duration.ZERO, Duration.ZERO), 3);
        for (int i = 1; i <= 5; i++) {
            bounded.submit("conv-1", "queued-" + i);
        }
        assertThat(bounded.waiting()).isEqualTo(3);
        assertThat(registry.get("parley.cancels.unstored").tag("reason", "queue_full").counter().count()).isEqualTo(2);

        bounded.start("test-bounded-store");

        awaitStored("queued-3", "queued-4", "queued-5");
        bounded.close();
    }

    /** L3: a partition added to the control topic after the listener started is read too, from its beginning. */
    @Test
    void aPartitionAddedLaterIsReadFromItsBeginning() {
        consumer.updatePartitions(TOPIC, List.of(partition(0), partition(1)));
        consumer.updateBeginningOffsets(Map.of(new TopicPartition(TOPIC, 1), 0L));
        listener.round();
        assertThat(consumer.assignment()).as("not asked again before the refresh interval").containsExactly(P0);

        nanos.addAndGet(ControlListener.PARTITION_REFRESH.toNanos());
        listener.round();
        consumer.addRecord(new ConsumerRecord<>(TOPIC, 1, 0, "conv-9",
                WireJson.toBytes(Cancel.of("req-9", "conv-9", null))));
        listener.round();

        assertThat(cancellations.isCancelled("conv-9", "req-9")).isTrue();
    }

    @Test
    void invalidRecordsAreSkipped() {
        consumer.addRecord(new ConsumerRecord<>(TOPIC, 0, nextOffset++, "conv-1",
                "{\"type\":\"cancel\"}".getBytes(StandardCharsets.UTF_8)));
        consumer.addRecord(new ConsumerRecord<>(TOPIC, 0, nextOffset++, "conv-1", new byte[]{(byte) 0xff}));
        cancelArrives("req-5");

        assertThat(listener.round()).isZero();
        awaitStored("req-5");
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
