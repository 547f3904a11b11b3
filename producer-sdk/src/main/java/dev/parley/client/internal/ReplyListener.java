package dev.parley.client.internal;

import dev.parley.client.ClientHealth;
import dev.parley.client.ParleyException;
import dev.parley.schemas.Chunk;
import dev.parley.schemas.Reply;
import dev.parley.schemas.codec.WireJson;
import dev.parley.schemas.retry.Backoff;
import dev.parley.schemas.retry.FailureStreak;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.InvalidOffsetException;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/**
 * Reads the reply topic on its own thread and hands replies to {@link PendingReplies}. It reads every partition from
 * the end as of its start, without a consumer group, so it sees exactly the replies sent after the client started.
 *
 * <p>No failure ends it: a round that throws (a metadata timeout while the broker is away, say) is counted, logged
 * and followed by a capped, growing pause; only {@link #close()} stops it. Because a consumer that cannot reach its
 * broker mostly polls nothing rather than failing, the listener asks the broker for the end offsets while requests
 * wait and no reply came for a while: that answer, or a reply, ends a run of failures. Once failures lasted longer
 * than the outage timeout, the requests waiting then (and those sent while it lasts) fail with a
 * {@link dev.parley.client.ParleyUnreachableException} saying since when and why, instead of waiting out their own
 * timeouts; the listener goes on trying, so the client works again when the broker is back.
 *
 * <p>A record it cannot read only costs itself. A record whose handling fails (bad JSON, or an {@link OutOfMemoryError}
 * or {@link StackOverflowError} from a huge or deeply nested value) is stepped past. A poll that fails on a record
 * (an {@code OutOfMemoryError} while Kafka decompresses a record declaring a body of gigabytes, a corrupt record) is
 * followed by a {@link PoisonScan} of the partitions that did not move, one record at a time, to find that record by
 * its offset; the listener then reads on after it. Either way the record is counted ({@link #health()}) and logged.
 * Any other {@link Error}, or {@value #MAX_UNEXPLAINED_ERRORS} such errors in a row that no record explains (the heap
 * itself is exhausted), ends the listener: requests waiting then fail, and the client must be rebuilt.
 *
 * <p>A partition whose read position is lost (its records deleted by retention before they were read, or the log
 * truncated by an unclean leader election) is not silently moved to its end: the listener seeks to the first record
 * written since {@value LostPositions#SLACK_SECONDS} s before the last one it read there (or before it started), so replies
 * written meanwhile are still read; the reset is logged and counted. Its consumer runs with
 * {@code auto.offset.reset=none} for this.
 */
public final class ReplyListener implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ReplyListener.class);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration REFRESH = Duration.ofSeconds(60);
    /** With requests waiting and no reply for this long, the broker is asked whether it is there. */
    private static final Duration PROBE_AFTER = Duration.ofSeconds(5);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(5);
    private static final int LOG_SKIPS_EVERY = 100;
    static final int MAX_UNEXPLAINED_ERRORS = 3;
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);

    private final Consumer<String, byte[]> consumer;
    private final String topic;
    private final PendingReplies pending;
    private final Duration outageTimeout;
    private final LongSupplier nanoTime;
    private final ListenerFailures failures;
    private final PoisonScan poisonScan;
    private final Duration stopTimeout;
    private final LostPositions lostPositions;
    private final AtomicLong unreadable = new AtomicLong();
    private int unexplainedErrors;
    private final CountDownLatch closing = new CountDownLatch(1);
    private final CountDownLatch stopped = new CountDownLatch(1);
    private Thread thread;
    private volatile boolean running = true;
    private volatile boolean alive = true;
    private long lastAnswerNanos;
    private long nextRefreshNanos;

    /** Reads {@code consumer} once {@link #assignFromEnd} and {@link #startThread} ran (tests call {@link #round}). */
    ReplyListener(Consumer<String, byte[]> consumer, String topic, PendingReplies pending, Duration outageTimeout,
                  Backoff backoff, LongSupplier nanoTime, Clock clock) {
        this(consumer, () -> {
            throw new IllegalStateException("no consumer to scan with");
        }, topic, pending, outageTimeout, backoff, nanoTime, clock, STOP_TIMEOUT);
    }

    /**
     * @param scanReaders makes consumers for a {@link PoisonScan}: the listener's settings, one record per poll
     * @param stopTimeout how long {@link #close()} waits for the thread to end
     */
    ReplyListener(Consumer<String, byte[]> consumer, Supplier<Consumer<String, byte[]>> scanReaders, String topic,
                  PendingReplies pending, Duration outageTimeout, Backoff backoff, LongSupplier nanoTime, Clock clock,
                  Duration stopTimeout) {
        this.consumer = consumer;
        this.poisonScan = new PoisonScan(scanReaders, PROBE_TIMEOUT);
        this.lostPositions = new LostPositions(consumer, topic, clock, PROBE_TIMEOUT);
        this.stopTimeout = stopTimeout;
        this.topic = topic;
        this.pending = pending;
        this.outageTimeout = outageTimeout;
        this.nanoTime = nanoTime;
        this.failures = new ListenerFailures(nanoTime, clock, FailureStreak.jittered(backoff));
    }

    /**
     * Connects (waiting up to {@code startTimeout} for the broker and the topic) and starts reading.
     *
     * @param outageTimeout how long the listener may fail without a success before waiting requests fail
     */
    public static ReplyListener start(Map<String, Object> consumerConfig, String topic, PendingReplies pending,
                                      String threadName, Duration startTimeout, Duration outageTimeout) {
        Map<String, Object> scanConfig = new HashMap<>(consumerConfig);
        scanConfig.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1);
        scanConfig.computeIfPresent(ConsumerConfig.CLIENT_ID_CONFIG, (key, id) -> id + "-scan");
        ReplyListener listener = new ReplyListener(
                new KafkaConsumer<>(consumerConfig, new StringDeserializer(), new ByteArrayDeserializer()),
                () -> new KafkaConsumer<>(scanConfig, new StringDeserializer(), new ByteArrayDeserializer()),
                topic, pending, outageTimeout, Backoff.DEFAULT, System::nanoTime, Clock.systemUTC(), STOP_TIMEOUT);
        try {
            listener.assignFromEnd(startTimeout);
        } catch (RuntimeException e) {
            listener.consumer.close();
            throw e;
        }
        listener.startThread(threadName);
        return listener;
    }

    /** Takes every partition of the topic, positioned at its end. */
    void assignFromEnd(Duration timeout) {
        List<PartitionInfo> partitions = TopicPartitions.await(consumer, topic, timeout);
        Set<TopicPartition> assignment = partitions.stream()
                .map(p -> new TopicPartition(topic, p.partition())).collect(Collectors.toSet());
        consumer.assign(assignment);
        consumer.seekToEnd(assignment);
        // Resolve the end offsets now: replies produced after this point are guaranteed to be read.
        assignment.forEach(tp -> consumer.position(tp, timeout));
        lostPositions.started();
        lastAnswerNanos = nanoTime.getAsLong();
        nextRefreshNanos = lastAnswerNanos + REFRESH.toNanos();
    }

    void startThread(String threadName) {
        thread = new Thread(this::run, threadName);
        thread.setDaemon(true);
        thread.start();
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
            // A fatal Error (see the class comment): say so to everyone waiting rather than let them hang.
            alive = false;
            log.error("Reply listener on {} died; requests waiting for replies fail", topic, e);
            pending.failAll(id -> new ParleyException("request " + id + " got no reply: the client's reply listener "
                    + "died (" + e + "); close this client and build a new one", e));
            throw e;
        } finally {
            alive = false;
            consumer.close();
            stopped.countDown();
        }
    }

    /**
     * One round: poll and hand out replies, ask the broker if it is there when that is due, look for new partitions
     * now and then. Returns how long to pause before the next round: zero, or a backoff after a failure.
     */
    Duration round() {
        Map<TopicPartition, Long> before = positions();
        try {
            ConsumerRecords<String, byte[]> records = consumer.poll(POLL);
            for (ConsumerRecord<String, byte[]> record : records) {
                handle(record);
            }
            boolean answered = !records.isEmpty();
            long now = nanoTime.getAsLong();
            if (!answered && pending.size() > 0
                    && (failures.failing() || now - lastAnswerNanos >= PROBE_AFTER.toNanos())) {
                consumer.endOffsets(consumer.assignment(), PROBE_TIMEOUT);
                answered = true;
            }
            if (now >= nextRefreshNanos) {
                nextRefreshNanos = now + REFRESH.toNanos();
                refreshPartitions();
            }
            unexplainedErrors = 0;
            if (answered) {
                lastAnswerNanos = now;
                int ended = failures.succeeded();
                if (ended > 0) {
                    log.info("Reply listener on {} reaches the broker again after {} failed attempt(s)", topic, ended);
                }
            }
            return Duration.ZERO;
        } catch (WakeupException e) {
            return Duration.ZERO; // close() woke it up; the loop sees it is not running any more
        } catch (InvalidOffsetException e) {
            return resetLostPositions(e.partitions());
        } catch (RecordDeserializationException e) {
            skipped(e.topicPartition(), e.offset(), e);
            consumer.seek(e.topicPartition(), e.offset() + 1);
            return Duration.ZERO;
        } catch (RuntimeException e) {
            // A plain KafkaException is how the fetcher reports a record it cannot read (a corrupt one, say).
            return e.getClass() == KafkaException.class ? pollFailedOnARecord(before, e) : failed(e);
        } catch (OutOfMemoryError | StackOverflowError e) {
            return pollFailedOnARecord(before, e);
        }
    }

    /** Each assigned partition's position, where it is known without asking the broker. */
    private Map<TopicPartition, Long> positions() {
        Map<TopicPartition, Long> positions = new HashMap<>();
        for (TopicPartition partition : consumer.assignment()) {
            try {
                positions.put(partition, consumer.position(partition, Duration.ZERO));
            } catch (RuntimeException e) {
                // Not known yet (a partition just added): it has nothing read to lose.
            }
        }
        return positions;
    }

    /**
     * A poll failed on a record Kafka does not name. Partitions it had already read past go back to where they were
     * (their records were lost with the failure); the others are scanned for the bad record, which is skipped.
     */
    private Duration pollFailedOnARecord(Map<TopicPartition, Long> before, Throwable error) {
        Map<TopicPartition, Long> suspects = new HashMap<>();
        Map<TopicPartition, Long> after = positions();
        before.forEach((partition, offset) -> {
            if (after.getOrDefault(partition, offset).equals(offset)) {
                suspects.put(partition, offset);
            } else {
                consumer.seek(partition, offset);
            }
        });
        try {
            PoisonScan.Result scan = poisonScan.scan(suspects, this::handle);
            scan.resumeAt().forEach(consumer::seek);
            scan.poisoned().forEach(bad -> skipped(bad.partition(), bad.offset(), bad.cause()));
            if (!scan.poisoned().isEmpty()) {
                unexplainedErrors = 0;
                return Duration.ZERO;
            }
        } catch (RuntimeException e) {
            error.addSuppressed(e); // the broker could not be asked: report the poll's failure, try again later
        }
        if (error instanceof Error fatal && ++unexplainedErrors >= MAX_UNEXPLAINED_ERRORS) {
            throw fatal; // no record explains it: the heap itself is exhausted
        }
        return failed(error instanceof RuntimeException e ? e : new KafkaException(error.toString(), error));
    }

    /** Counts and logs a record stepped past (the first in full, then every hundredth). */
    private void skipped(TopicPartition partition, long offset, Throwable cause) {
        long count = unreadable.incrementAndGet();
        if (count == 1 || count % LOG_SKIPS_EVERY == 0) {
            log.warn("Reply listener on {} stepped past a record it cannot read at {}@{} ({} so far): {}", topic,
                    partition, offset, count, cause.toString());
        }
    }

    private Duration resetLostPositions(Set<TopicPartition> lost) {
        try {
            lostPositions.reset(lost);
            return Duration.ZERO;
        } catch (RuntimeException e) {
            return failed(e);
        }
    }

    private Duration failed(RuntimeException error) {
        Duration pause = failures.failed(error);
        if (failures.streak().worthLogging()) {
            log.warn("Reply listener on {} failed ({} in a row, for {}); retrying in {}: {}", topic,
                    failures.streak().count(), failures.failingFor(), pause, error.toString());
        }
        if (failures.failingFor().compareTo(outageTimeout) > 0 && pending.size() > 0) {
            int failed = pending.failAll(id -> failures.unreachable(id, outageTimeout));
            log.error("Reply listener on {} has failed for {} (outage timeout {}): failed {} waiting request(s); "
                    + "still retrying", topic, failures.failingFor(), outageTimeout, failed);
        }
        return pause;
    }

    private void pauseUnlessClosing(Duration pause) {
        try {
            closing.await(pause.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            // Only close() may end the listener; an interrupt from elsewhere just cuts this pause short.
            log.warn("Reply listener on {} interrupted while pausing; going on", topic);
        }
    }

    private void handle(ConsumerRecord<String, byte[]> record) {
        lostPositions.read(record);
        try {
            JsonNode json = WireJson.mapper().readTree(record.value());
            if (Chunk.TYPE.equals(json.path("type").asString(""))) {
                pending.chunk(WireJson.mapper().treeToValue(json, Chunk.class));
            } else {
                pending.complete(WireJson.mapper().treeToValue(json, Reply.class));
            }
        } catch (RuntimeException | OutOfMemoryError | StackOverflowError e) {
            skipped(new TopicPartition(record.topic(), record.partition()), record.offset(), e);
        }
    }

    /** Starts reading partitions added to the reply topic since the last look (from their beginning: all new). */
    private void refreshPartitions() {
        List<PartitionInfo> partitions = consumer.partitionsFor(topic, PROBE_TIMEOUT);
        if (partitions == null) {
            return;
        }
        Set<TopicPartition> current = consumer.assignment();
        Set<TopicPartition> added = partitions.stream().map(p -> new TopicPartition(topic, p.partition()))
                .filter(tp -> !current.contains(tp)).collect(Collectors.toSet());
        if (!added.isEmpty()) {
            Set<TopicPartition> all = new HashSet<>(current);
            all.addAll(added);
            consumer.assign(all);
            consumer.seekToBeginning(added);
            log.info("Reply topic {} grew: now reading {} partitions", topic, all.size());
        }
    }

    /** Failed rounds retried since the start, over all outages. */
    public long retries() {
        return failures.retries();
    }

    /** Whether the listener's thread still runs: true until {@link #close()}, unless a fatal Error ended it. */
    public boolean isAlive() {
        return alive;
    }

    /** The listener's state for a health check; any thread. */
    public ClientHealth health() {
        return new ClientHealth(alive, failures.since(), failures.failingFor(), outageTimeout, unreadable.get(),
                lostPositions.resets());
    }

    @Override
    public void close() {
        running = false;
        closing.countDown();
        if (thread == null) {
            consumer.close();
            return;
        }
        consumer.wakeup();
        if (Thread.currentThread() == thread) {
            return; // a reply callback closes the client: the loop ends, and closes the consumer, once it returns
        }
        try {
            if (!stopped.await(stopTimeout.toNanos(), TimeUnit.NANOSECONDS)) {
                log.warn("Reply listener on {} did not stop within {}", topic, stopTimeout);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
