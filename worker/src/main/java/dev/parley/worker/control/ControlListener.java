package dev.parley.worker.control;

import dev.parley.schemas.Cancel;
import dev.parley.schemas.codec.WireJson;
import dev.parley.schemas.validation.Violation;
import dev.parley.schemas.validation.WireSchema;
import dev.parley.worker.history.HistoryStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
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
 * holds the request), from the end as of its start; cancellations are also written to the history store, so a worker
 * that takes the request up later still sees them.
 */
public final class ControlListener implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ControlListener.class);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final int STORE_ATTEMPTS = 5;

    private final KafkaConsumer<String, byte[]> consumer;
    private final HistoryStore history;
    private final Cancellations cancellations;
    private final WireSchema schema = WireSchema.load(WireSchema.CANCEL_V1);
    private final Thread thread;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean running = true;

    public ControlListener(Map<String, Object> consumerConfig, String topic, HistoryStore history,
                           Cancellations cancellations, String threadName) {
        this.consumer = new KafkaConsumer<>(consumerConfig, new StringDeserializer(), new ByteArrayDeserializer());
        this.history = history;
        this.cancellations = cancellations;
        try {
            List<PartitionInfo> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30));
            Set<TopicPartition> all = partitions.stream().map(p -> new TopicPartition(topic, p.partition()))
                    .collect(Collectors.toSet());
            consumer.assign(all);
            consumer.seekToEnd(all);
            all.forEach(consumer::position);
        } catch (RuntimeException e) {
            consumer.close();
            throw new IllegalStateException("cannot read control topic '" + topic + "': " + e.getMessage(), e);
        }
        this.thread = new Thread(this::run, threadName);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    private void run() {
        try {
            while (running) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(POLL)) {
                    handle(record);
                }
            }
        } catch (WakeupException e) {
            if (running) {
                log.error("Control listener woken up unexpectedly", e);
            }
        } catch (RuntimeException e) {
            log.error("Control listener stopped by an unexpected error", e);
        } finally {
            consumer.close();
            stopped.countDown();
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
        cancellations.cancel(cancel.requestId());
        for (int attempt = 1; attempt <= STORE_ATTEMPTS; attempt++) {
            try {
                history.markCancelled(cancel.conversationId(), cancel.requestId());
                break;
            } catch (RuntimeException e) {
                log.warn("Could not record cancellation of {} (attempt {}): {}", cancel.requestId(), attempt, e.getMessage());
            }
        }
        log.info("Cancellation received for request {}", cancel.requestId());
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            stopped.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
