package dev.parley.worker.control;

import dev.parley.schemas.Cancel;
import dev.parley.schemas.codec.WireJson;
import dev.parley.schemas.validation.Violation;
import dev.parley.schemas.validation.WireSchema;
import dev.parley.worker.history.HistoryStore;
import dev.parley.worker.metrics.WorkerMetrics;
import dev.parley.schemas.retry.Backoff;
import dev.parley.schemas.retry.FailureStreak;
import dev.parley.worker.retry.KafkaErrors;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the control topic on its own thread. Every worker reads every partition (a cancel must reach whichever worker
 * holds the request), from the end as of its start, and picks up partitions added later (from their beginning);
 * cancellations are also written to the history store, so a worker that takes the request up later still sees them.
 * A cancel sent while no worker read the topic is not applied (see docs/guarantees.md).
 *
 * <p>Each cancel takes effect in memory at once; its write to Redis is queued to a {@link CancelStore}, which retries
 * on its own thread, so a Redis outage never holds this listener. Progress is stamped after every record. No failure
 * ends it: a round that throws (a metadata timeout while the broker is away) is counted as
 * {@code parley.retries{loop=control}} and followed by a capped, growing pause. Only {@link #close()} or an Error
 * stops it; the health monitor watches {@link #isAlive()} and {@link #lastProgressNanos()}.
 */
public final class ControlListener implements AutoCloseable {

    /** Where a cancellation is remembered for other workers: the history store. */
    @FunctionalInterface
    interface CancelLog {
        void markCancelled(String conversationId, String requestId);
    }

    private static final Logger log = LoggerFactory.getLogger(ControlListener.class);
    private static final Duration POLL = Duration.ofMillis(200);
    /** How often the topic's partition count is asked again (a partition added later must be read too). */
    static final Duration PARTITION_REFRESH = Duration.ofSeconds(30);

    private final Consumer<String, byte[]> consumer;
    private final CancelStore cancelStore;
    private final Cancellations cancellations;
    private final WorkerMetrics metrics;
    private final FailureStreak failures;
    private final LongSupplier nanoTime;
    private final WireSchema schema = WireSchema.load(WireSchema.CANCEL_V1);
    private final CountDownLatch closing = new CountDownLatch(1);
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile Thread thread;
    private volatile boolean running = true;
    private volatile boolean alive = true;
    private volatile long lastProgressNanos;
    private String topic;
    private long partitionsCheckedNanos;

    /**
     * @param cancelQueue cancels held for the history store while it is away ({@link CancelStore})
     */
    public ControlListener(Map<String, Object> consumerConfig, String topic, HistoryStore history,
                           Cancellations cancellations, int cancelQueue, WorkerMetrics metrics, String threadName) {
        this(new KafkaConsumer<>(consumerConfig, new StringDeserializer(), new ByteArrayDeserializer()),
                history::markCancelled, cancellations, cancelQueue, metrics, Backoff.DEFAULT, System::nanoTime);
        try {
            assignFromEnd(topic, Duration.ofSeconds(30));
        } catch (RuntimeException e) {
            consumer.close();
            throw new IllegalStateException("cannot read control topic '" + topic + "': " + e.getMessage(), e);
        }
        startThread(threadName);
    }

    /** Reads {@code consumer} once assigned; tests drive it with {@link #round()} on their own thread. */
    ControlListener(Consumer<String, byte[]> consumer, CancelLog cancelLog, Cancellations cancellations,
                    WorkerMetrics metrics, Backoff backoff, LongSupplier nanoTime) {
        this(consumer, cancelLog, cancellations, CancelStore.DEFAULT_CAPACITY, metrics, backoff, nanoTime);
    }

    private ControlListener(Consumer<String, byte[]> consumer, CancelLog cancelLog, Cancellations cancellations,
                            int cancelQueue, WorkerMetrics metrics, Backoff backoff, LongSupplier nanoTime) {
        this.consumer = consumer;
        this.cancelStore = new CancelStore(cancelLog, metrics, backoff, cancelQueue);
        this.cancellations = cancellations;
        this.metrics = metrics;
        this.failures = FailureStreak.jittered(backoff);
        this.nanoTime = nanoTime;
        this.lastProgressNanos = nanoTime.getAsLong();
    }

    void assignFromEnd(String topic, Duration timeout) {
        this.topic = topic;
        Set<TopicPartition> all = partitionsOf(topic, timeout);
        consumer.assign(all);
        consumer.seekToEnd(all);
        all.forEach(tp -> consumer.position(tp, timeout));
        partitionsCheckedNanos = nanoTime.getAsLong();
    }

    /**
     * Assigns partitions added to the topic since it was last asked, read from their beginning: every record in them
     * was written after this listener started reading the others.
     */
    private void assignAddedPartitions() {
        long now = nanoTime.getAsLong();
        if (topic == null || now - partitionsCheckedNanos < PARTITION_REFRESH.toNanos()) {
            return;
        }
        partitionsCheckedNanos = now;
        Set<TopicPartition> all = partitionsOf(topic, POLL);
        Set<TopicPartition> added = new java.util.HashSet<>(all);
        added.removeAll(consumer.assignment());
        if (!added.isEmpty()) {
            all.addAll(consumer.assignment());
            consumer.assign(all);
            consumer.seekToBeginning(added);
            log.info("Control topic {} has {} new partition(s); reading them from their beginning", topic,
                    added.size());
        }
    }

    private Set<TopicPartition> partitionsOf(String topic, Duration timeout) {
        List<PartitionInfo> partitions = consumer.partitionsFor(topic, timeout);
        return partitions.stream().map(p -> new TopicPartition(topic, p.partition()))
                .collect(Collectors.toCollection(java.util.HashSet::new));
    }

    void startThread(String threadName) {
        cancelStore.start(threadName + "-store");
        Thread started = new Thread(this::run, threadName);
        started.setDaemon(true);
        thread = started;
        started.start();
    }

    /** Cancellations waiting to be written to the history store. */
    int waitingToStore() {
        return cancelStore.waiting();
    }

    /** Starts writing cancellations to the store without the listener's thread (tests drive {@link #round()}). */
    void startStoring(String threadName) {
        cancelStore.start(threadName);
    }

    /** Whether its thread still runs: true until {@link #close()}, unless an Error killed it. */
    public boolean isAlive() {
        return alive && (thread == null || thread.isAlive());
    }

    /** {@link System#nanoTime()} after its last record handled or round that did not fail. */
    public long lastProgressNanos() {
        return lastProgressNanos;
    }

    private void run() {
        try {
            while (running) {
                Duration pause = round();
                if (!pause.isZero()) {
                    pauseUnlessClosing(pause);
                }
            }
        } catch (Error e) {
            log.error("Control listener died; cancellations are no longer read and the worker reports itself "
                    + "unhealthy", e);
            throw e;
        } finally {
            alive = false;
            consumer.close();
            stopped.countDown();
        }
    }

    /** One round: poll and act on what came. Returns the pause before the next: zero, or a backoff after a failure. */
    Duration round() {
        try {
            assignAddedPartitions();
            for (ConsumerRecord<String, byte[]> record : consumer.poll(POLL)) {
                handle(record);
                lastProgressNanos = nanoTime.getAsLong();
            }
            lastProgressNanos = nanoTime.getAsLong();
            int ended = failures.succeeded();
            if (ended > 0) {
                log.info("Control listener reads again after {} failed round(s)", ended);
            }
            return Duration.ZERO;
        } catch (WakeupException e) {
            return Duration.ZERO; // close() woke it up; the loop sees it is not running any more
        } catch (RuntimeException e) {
            Duration pause = failures.failed();
            metrics.retried("control");
            if (failures.worthLogging()) {
                log.warn("Control listener round failed ({} in a row); retrying in {}: {}", failures.count(), pause,
                        KafkaErrors.describe(e));
            }
            return pause;
        }
    }

    private void handle(ConsumerRecord<String, byte[]> record) {
        Cancel cancel;
        try {
            var json = WireJson.mapper().readTree(record.value());
            List<Violation> violations = schema.validate(json);
            if (!violations.isEmpty()) {
                log.warn("Ignoring invalid control record at {}-{}@{}: {}", record.topic(), record.partition(),
                        record.offset(), violations.get(0).field());
                return;
            }
            cancel = WireJson.mapper().treeToValue(json, Cancel.class);
        } catch (RuntimeException e) {
            log.warn("Ignoring unreadable control record at {}-{}@{}", record.topic(), record.partition(), record.offset());
            return;
        }
        cancellations.cancel(cancel.conversationId(), cancel.requestId());
        log.info("Cancellation received for request {}", cancel.requestId());
        cancelStore.submit(cancel.conversationId(), cancel.requestId());
    }

    /** Waits {@code pause} unless closing; returns false when the listener is closing. */
    private boolean pauseUnlessClosing(Duration pause) {
        try {
            return !closing.await(pause.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            // Only close() may end the listener; an interrupt from elsewhere just cuts this pause short.
            log.warn("Control listener interrupted while pausing; going on");
            return running;
        }
    }

    @Override
    public void close() {
        running = false;
        closing.countDown();
        cancelStore.close();
        if (thread == null) {
            consumer.close();
            return;
        }
        consumer.wakeup();
        try {
            if (!stopped.await(10, TimeUnit.SECONDS)) {
                log.warn("Control listener did not stop within 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
