package dev.parley.client.internal;

import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts the reply listener back on a partition whose read position was lost: its next records deleted by retention
 * before they were read, or its log truncated below the position by an unclean leader election. Kafka's own reset
 * ({@code auto.offset.reset}) would jump to the end and skip every reply written in between without a word; this goes
 * back to the first record written since {@value #SLACK_SECONDS} s before the last one read there (before the
 * listener started, when none was), so replies written meanwhile are read (those already handed on come again and
 * are dropped as duplicates). Only the listener's thread calls it but {@link #resets()}.
 */
final class LostPositions {

    private static final Logger log = LoggerFactory.getLogger(LostPositions.class);
    /** How far before the last record read to go back: producers' clocks differ. */
    static final long SLACK_SECONDS = 60;

    private final Consumer<String, byte[]> consumer;
    private final String topic;
    private final Clock clock;
    private final Duration timeout;
    /** Per partition, the timestamp of the last record read. */
    private final Map<TopicPartition, Long> lastRead = new HashMap<>();
    private final AtomicLong resets = new AtomicLong();
    private long startedAtMillis;

    LostPositions(Consumer<String, byte[]> consumer, String topic, Clock clock, Duration timeout) {
        this.consumer = consumer;
        this.topic = topic;
        this.clock = clock;
        this.timeout = timeout;
    }

    /** The listener starts reading now. */
    void started() {
        startedAtMillis = clock.millis();
    }

    void read(ConsumerRecord<String, byte[]> record) {
        lastRead.merge(new TopicPartition(record.topic(), record.partition()), record.timestamp(), Math::max);
    }

    /**
     * Seeks each lost partition to its first record since shortly before the last one read, or to its end when there
     * is none; logs and counts each.
     *
     * @throws RuntimeException when the broker cannot be asked (the next poll reports the loss again)
     */
    void reset(Set<TopicPartition> lost) {
        Map<TopicPartition, Long> since = new HashMap<>();
        for (TopicPartition partition : lost) {
            since.put(partition, Math.max(0, lastRead.getOrDefault(partition, startedAtMillis)
                    - TimeUnit.SECONDS.toMillis(SLACK_SECONDS)));
        }
        Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(since, timeout);
        for (TopicPartition partition : lost) {
            OffsetAndTimestamp first = found.get(partition);
            if (first != null) {
                consumer.seek(partition, first.offset());
            } else {
                consumer.seekToEnd(Set.of(partition));
            }
            resets.incrementAndGet();
            log.warn("Reply listener on {} lost its position on {} (retention or an unclean leader election); reading "
                    + "again from {}", topic, partition, first != null ? "offset " + first.offset() : "the end");
        }
    }

    /** Partitions reset since the start. */
    long resets() {
        return resets.get();
    }
}
