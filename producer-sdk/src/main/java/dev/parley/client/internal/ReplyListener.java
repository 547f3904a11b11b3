package dev.parley.client.internal;

import dev.parley.schemas.Chunk;
import dev.parley.schemas.Reply;
import dev.parley.schemas.codec.WireJson;
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
import tools.jackson.databind.JsonNode;

/**
 * Reads the reply topic on its own thread and hands replies to {@link PendingReplies}. It reads every partition from
 * the end as of its start, without a consumer group, so it sees exactly the replies sent after the client started.
 */
public final class ReplyListener implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ReplyListener.class);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration REFRESH = Duration.ofSeconds(60);

    private final KafkaConsumer<String, byte[]> consumer;
    private final String topic;
    private final PendingReplies pending;
    private final Thread thread;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean running = true;

    public ReplyListener(Map<String, Object> consumerConfig, String topic, PendingReplies pending, String threadName,
                         Duration startTimeout) {
        this.consumer = new KafkaConsumer<>(consumerConfig, new StringDeserializer(), new ByteArrayDeserializer());
        this.topic = topic;
        this.pending = pending;
        try {
            List<PartitionInfo> partitions = consumer.partitionsFor(topic, startTimeout);
            if (partitions == null || partitions.isEmpty()) {
                throw new IllegalStateException("reply topic '" + topic + "' does not exist; start a worker (it creates "
                        + "its topics) or create it");
            }
            Set<TopicPartition> assignment = partitions.stream()
                    .map(p -> new TopicPartition(topic, p.partition())).collect(Collectors.toSet());
            consumer.assign(assignment);
            consumer.seekToEnd(assignment);
            // Resolve the end offsets now: replies produced after this point are guaranteed to be read.
            assignment.forEach(tp -> consumer.position(tp, startTimeout));
        } catch (RuntimeException e) {
            consumer.close();
            throw e;
        }
        this.thread = new Thread(this::run, threadName);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    private void run() {
        try {
            long nextRefresh = System.nanoTime() + REFRESH.toNanos();
            while (running) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(POLL)) {
                    handle(record);
                }
                if (System.nanoTime() > nextRefresh) {
                    refreshPartitions();
                    nextRefresh = System.nanoTime() + REFRESH.toNanos();
                }
            }
        } catch (WakeupException e) {
            if (running) {
                throw e;
            }
        } catch (RuntimeException e) {
            log.error("Reply listener on {} stopped by an unexpected error", topic, e);
        } finally {
            consumer.close();
            stopped.countDown();
        }
    }

    private void handle(ConsumerRecord<String, byte[]> record) {
        try {
            JsonNode json = WireJson.mapper().readTree(record.value());
            if (Chunk.TYPE.equals(json.path("type").asString(""))) {
                pending.chunk(WireJson.mapper().treeToValue(json, Chunk.class));
            } else {
                pending.complete(WireJson.mapper().treeToValue(json, Reply.class));
            }
        } catch (RuntimeException e) {
            log.warn("Skipping unreadable record at {}-{}@{}: {}", record.topic(), record.partition(), record.offset(),
                    e.getMessage());
        }
    }

    /** Starts reading partitions added to the reply topic since the last look (from their beginning: all new). */
    private void refreshPartitions() {
        List<PartitionInfo> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(5));
        if (partitions == null) {
            return;
        }
        Set<TopicPartition> current = consumer.assignment();
        Set<TopicPartition> added = partitions.stream().map(p -> new TopicPartition(topic, p.partition()))
                .filter(tp -> !current.contains(tp)).collect(Collectors.toSet());
        if (!added.isEmpty()) {
            Set<TopicPartition> all = new java.util.HashSet<>(current);
            all.addAll(added);
            consumer.assign(all);
            consumer.seekToBeginning(added);
            log.info("Reply topic {} grew: now reading {} partitions", topic, all.size());
        }
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            if (!stopped.await(10, TimeUnit.SECONDS)) {
                log.warn("Reply listener on {} did not stop within 10 s", topic);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
