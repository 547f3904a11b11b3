package dev.parley.worker.intake;

import dev.parley.worker.dispatch.OffsetTracker;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the records that a poll cannot hand over and moves past them. The Kafka client materialises each record of a
 * compressed batch at its decompressed size before any check of ours can run (up to 2 GiB a record), so a small
 * compression bomb makes {@code poll()} throw {@link OutOfMemoryError} (the allocation fails, nothing is held). That
 * poll may already have moved other partitions' positions past records it then dropped, so every partition is
 * first put back to the record after the last one handled. Then a probe consumer reads each partition one record per
 * poll from there: records it can read are handled as usual, and the one whose read fails is dead-lettered by its
 * position ({@code unreadable_record}) and skipped. A probe reads at most {@code max.poll.records} records per
 * partition: the failed poll stopped within that many. Poll thread only.
 */
final class UnreadableRecords {

    private static final Logger log = LoggerFactory.getLogger(UnreadableRecords.class);
    private static final Duration PROBE_POLL = Duration.ofSeconds(2);

    /** What the intake does with a record the probe could not read: track it and dead-letter it by position. */
    interface Unreadable {
        void record(TopicPartition partition, long offset, String reason);
    }

    private final Consumer<String, byte[]> consumer;
    private final Supplier<Consumer<String, byte[]>> probes;
    private final CommitKeeper commits;
    private final int maxRecords;

    /**
     * @param probes     makes a consumer of the same cluster with {@code max.poll.records=1} and no group
     * @param maxRecords the main consumer's {@code max.poll.records}
     */
    UnreadableRecords(Consumer<String, byte[]> consumer, Supplier<Consumer<String, byte[]>> probes,
                      CommitKeeper commits, int maxRecords) {
        this.consumer = consumer;
        this.probes = probes;
        this.commits = commits;
        this.maxRecords = maxRecords;
    }

    /** After a poll failed with {@code failure}: rewinds, probes every fetching partition, and moves past what fails. */
    void isolate(Map<TopicPartition, OffsetTracker> trackers, Throwable failure,
                 java.util.function.Consumer<ConsumerRecord<String, byte[]>> readable, Unreadable unreadable) {
        Set<TopicPartition> fetching = new java.util.HashSet<>(consumer.assignment());
        fetching.removeAll(consumer.paused());
        try (Consumer<String, byte[]> probe = probes.get()) {
            for (TopicPartition partition : fetching) {
                long start = nextToHandle(partition, trackers.get(partition));
                int found = probe(probe, partition, start, failure, readable, unreadable);
                OffsetTracker tracker = trackers.get(partition);
                long resume = tracker != null && tracker.nextExpected() >= 0 ? tracker.nextExpected() : start;
                if (resume >= 0) {
                    consumer.seek(partition, resume);
                }
                if (found > 0) {
                    log.warn("Skipped {} unreadable record(s) of {}; it goes on from offset {}", found, partition,
                            resume);
                }
            }
        }
    }

    /** The first offset not handled yet: after the last tracked record, else the group's commit; -1 if unknown. */
    private long nextToHandle(TopicPartition partition, OffsetTracker tracker) {
        if (tracker != null && tracker.nextExpected() >= 0) {
            return tracker.nextExpected();
        }
        OffsetAndMetadata committed = commits.confirmed(partition);
        return committed == null ? -1 : committed.offset();
    }

    private int probe(Consumer<String, byte[]> probe, TopicPartition partition, long start, Throwable failure,
                      java.util.function.Consumer<ConsumerRecord<String, byte[]>> readable, Unreadable unreadable) {
        probe.assign(List.of(partition));
        if (start >= 0) {
            probe.seek(partition, start);
        } else {
            probe.seekToBeginning(List.of(partition)); // nothing committed: the group starts at the earliest too
        }
        int found = 0;
        for (int read = 0; read < maxRecords; read++) {
            ConsumerRecords<String, byte[]> records;
            try {
                records = probe.poll(PROBE_POLL);
            } catch (Error error) {
                if (FatalErrors.isFatal(error)) {
                    throw error;
                }
                long offset = probe.position(partition);
                found++;
                unreadable.record(partition, offset, "the record (or one before it in its compressed batch) cannot "
                        + "be read: " + FatalErrors.describe(error) + " (the poll failed with "
                        + FatalErrors.describe(failure) + "); a compressed record is materialised at its decompressed "
                        + "size before max-prompt-bytes can apply");
                probe.seek(partition, offset + 1);
                continue;
            }
            if (records.isEmpty()) {
                break; // read to the end of what is there
            }
            records.forEach(readable);
        }
        return found;
    }
}
