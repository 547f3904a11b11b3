package dev.parley.client.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordDeserializationException;

/**
 * Finds the record a poll could not get past. When the reply consumer's poll fails on a record (an
 * {@link OutOfMemoryError} from a compressed record that declares a body of gigabytes, a corrupt record), Kafka does
 * not say which one, and every later poll fails the same way. This reads the suspected partitions again with a
 * consumer of its own that takes one record per poll: the records before the bad one are handed on as usual, and the
 * poll that fails names the bad record by its position, so the listener can step past exactly that offset.
 */
final class PoisonScan {

    private static final Duration POLL = Duration.ofMillis(200);

    /** A record no poll can get past. */
    record Poisoned(TopicPartition partition, long offset, Throwable cause) {
    }

    /** Where the listener goes on reading each partition scanned, and the bad records found on the way. */
    record Result(Map<TopicPartition, Long> resumeAt, List<Poisoned> poisoned) {
    }

    /** Makes a consumer with the listener's settings and {@code max.poll.records=1}; the scan closes it. */
    private final Supplier<Consumer<String, byte[]>> readers;
    private final Duration timeout;

    PoisonScan(Supplier<Consumer<String, byte[]>> readers, Duration timeout) {
        this.readers = readers;
        this.timeout = timeout;
    }

    /**
     * Reads each partition from its offset in {@code from} to its end as of now, handing every readable record to
     * {@code handler}, and stops a partition at its first bad record.
     *
     * @throws RuntimeException when the broker cannot be asked (the caller backs off and tries again)
     */
    Result scan(Map<TopicPartition, Long> from, java.util.function.Consumer<ConsumerRecord<String, byte[]>> handler) {
        Map<TopicPartition, Long> resumeAt = new HashMap<>(from);
        List<Poisoned> poisoned = new ArrayList<>();
        try (Consumer<String, byte[]> reader = readers.get()) {
            Map<TopicPartition, Long> ends = reader.endOffsets(from.keySet(), timeout);
            for (Map.Entry<TopicPartition, Long> start : from.entrySet()) {
                TopicPartition partition = start.getKey();
                long end = ends.getOrDefault(partition, start.getValue());
                if (start.getValue() < end) {
                    reader.assign(Set.of(partition));
                    reader.seek(partition, start.getValue());
                    resumeAt.put(partition, scanPartition(reader, partition, end, handler, poisoned));
                }
            }
        }
        return new Result(resumeAt, poisoned);
    }

    /** Reads one partition up to {@code end} or its first bad record; returns the offset to go on from. */
    private long scanPartition(Consumer<String, byte[]> reader, TopicPartition partition, long end,
                               java.util.function.Consumer<ConsumerRecord<String, byte[]>> handler,
                               List<Poisoned> poisoned) {
        long position = reader.position(partition, timeout);
        long lastMoveNanos = System.nanoTime();
        while (position < end) {
            try {
                reader.poll(POLL).forEach(handler);
            } catch (RecordDeserializationException e) {
                poisoned.add(new Poisoned(partition, e.offset(), e));
                return e.offset() + 1;
            } catch (OutOfMemoryError | StackOverflowError | KafkaException e) {
                // One record per poll and the ones before it handed on: the failing record is at the position.
                long at = reader.position(partition, timeout);
                poisoned.add(new Poisoned(partition, at, e));
                return at + 1;
            }
            long now = reader.position(partition, timeout);
            if (now > position) {
                position = now;
                lastMoveNanos = System.nanoTime();
            } else if (System.nanoTime() - lastMoveNanos > timeout.toNanos()) {
                return position; // nothing readable arrives (control records only, say): the listener goes on here
            }
        }
        return position;
    }
}
