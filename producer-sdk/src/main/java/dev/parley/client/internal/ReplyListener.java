package dev.parley.client.internal;

import dev.parley.client.ParleyException;
import dev.parley.schemas.Chunk;
import dev.parley.schemas.Reply;
import dev.parley.schemas.codec.WireJson;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
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
 *
 * <p>No failure ends it: a round that throws (a metadata timeout while the broker is away, say) is counted, logged
 * and followed by a capped, growing pause; only {@link #close()} stops it. Because a consumer that cannot reach its
 * broker mostly polls nothing rather than failing, the listener asks the broker for the end offsets while requests
 * wait and no reply came for a while: that answer, or a reply, ends a run of failures. Once failures lasted longer
 * than the outage timeout, the requests waiting then (and those sent while it lasts) fail with a
 * {@link dev.parley.client.ParleyUnreachableException} saying since when and why, instead of waiting out their own
 * timeouts; the listener goes on trying, so the client works again when the broker is back.
 */
public final class ReplyListener implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ReplyListener.class);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration REFRESH = Duration.ofSeconds(60);
    /** With requests waiting and no reply for this long, the broker is asked whether it is there. */
    private static final Duration PROBE_AFTER = Duration.ofSeconds(5);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(5);
    private static final int LOG_EVERY = 10;

    private final Consumer<String, byte[]> consumer;
    private final String topic;
    private final PendingReplies pending;
    private final Duration outageTimeout;
    private final Backoff backoff;
    private final LongSupplier nanoTime;
    private final ListenerFailures failures;
    private final CountDownLatch closing = new CountDownLatch(1);
    private final CountDownLatch stopped = new CountDownLatch(1);
    private Thread thread;
    private volatile boolean running = true;
    private volatile boolean alive = true;
    /** When the current run of failures began ({@link System#nanoTime()} scale), or 0 while none: for health. */
    private volatile long failingSinceNanos;
    private long lastAnswerNanos;
    private long nextRefreshNanos;

    /** Reads {@code consumer} once {@link #assignFromEnd} and {@link #startThread} ran (tests call {@link #round}). */
    ReplyListener(Consumer<String, byte[]> consumer, String topic, PendingReplies pending, Duration outageTimeout,
                  Backoff backoff, LongSupplier nanoTime, Clock clock) {
        this.consumer = consumer;
        this.topic = topic;
        this.pending = pending;
        this.outageTimeout = outageTimeout;
        this.backoff = backoff;
        this.nanoTime = nanoTime;
        this.failures = new ListenerFailures(nanoTime, clock);
    }

    /**
     * Connects (waiting up to {@code startTimeout} for the broker and the topic) and starts reading.
     *
     * @param outageTimeout how long the listener may fail without a success before waiting requests fail
     */
    public static ReplyListener start(Map<String, Object> consumerConfig, String topic, PendingReplies pending,
                                      String threadName, Duration startTimeout, Duration outageTimeout) {
        ReplyListener listener = new ReplyListener(
                new KafkaConsumer<>(consumerConfig, new StringDeserializer(), new ByteArrayDeserializer()),
                topic, pending, outageTimeout, Backoff.DEFAULT, System::nanoTime, Clock.systemUTC());
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
        List<PartitionInfo> partitions = consumer.partitionsFor(topic, timeout);
        if (partitions == null || partitions.isEmpty()) {
            throw new IllegalStateException("reply topic '" + topic + "' does not exist; start a worker (it creates "
                    + "its topics) or create it");
        }
        Set<TopicPartition> assignment = partitions.stream()
                .map(p -> new TopicPartition(topic, p.partition())).collect(Collectors.toSet());
        consumer.assign(assignment);
        consumer.seekToEnd(assignment);
        // Resolve the end offsets now: replies produced after this point are guaranteed to be read.
        assignment.forEach(tp -> consumer.position(tp, timeout));
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
            // Nothing can be trusted after an Error: say so to everyone waiting rather than let them hang.
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
            if (answered) {
                lastAnswerNanos = now;
                int ended = failures.succeeded();
                failingSinceNanos = 0;
                if (ended > 0) {
                    log.info("Reply listener on {} reaches the broker again after {} failed attempt(s)", topic, ended);
                }
            }
            return Duration.ZERO;
        } catch (WakeupException e) {
            return Duration.ZERO; // close() woke it up; the loop sees it is not running any more
        } catch (RuntimeException e) {
            return failed(e);
        }
    }

    private Duration failed(RuntimeException error) {
        int inARow = failures.failed(error);
        if (inARow == 1) {
            failingSinceNanos = Math.max(1, nanoTime.getAsLong());
        }
        Duration pause = backoff.jittered(inARow, ThreadLocalRandom.current());
        if (inARow == 1 || inARow % LOG_EVERY == 0) {
            log.warn("Reply listener on {} failed ({} in a row, for {}); retrying in {}: {}", topic, inARow,
                    failures.failingFor(), pause, error.toString());
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

    /** Whether the listener's thread still runs: true until {@link #close()}, unless an Error killed it. */
    public boolean isAlive() {
        return alive;
    }

    /** Alive, and not failing for longer than the outage timeout (past it, waiting requests fail). */
    public boolean isHealthy() {
        long since = failingSinceNanos;
        return alive && (since == 0 || nanoTime.getAsLong() - since <= outageTimeout.toNanos());
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
        try {
            if (!stopped.await(10, TimeUnit.SECONDS)) {
                log.warn("Reply listener on {} did not stop within 10 s", topic);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
