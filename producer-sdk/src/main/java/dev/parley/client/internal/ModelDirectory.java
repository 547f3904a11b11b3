package dev.parley.client.internal;

import dev.parley.client.ModelLoad;
import dev.parley.client.ParleyException;
import dev.parley.client.ServedModel;
import dev.parley.client.UnknownModelException;
import dev.parley.schemas.ModelAnnouncement;
import dev.parley.schemas.codec.WireJson;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The models the pool serves, read from the compacted models topic where workers announce themselves. It keeps no
 * thread: a lookup reads what was appended since the last one when its copy is older than {@link #REFRESH} (or, for a
 * name it does not know, older than {@link #MISS_REFRESH}, so a worker that just started is found), on the caller's
 * thread, one caller at a time. The consumer is created on first use: a client that never names a model never reads
 * the topic.
 *
 * <p>A model counts while one of its announcements has not expired. If the topic cannot be read, the last copy is
 * used when there is one; a lookup without any copy fails with a {@link ParleyException} naming the topic.
 */
public final class ModelDirectory implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ModelDirectory.class);
    static final Duration REFRESH = Duration.ofSeconds(10);
    static final Duration MISS_REFRESH = Duration.ofMillis(500);
    /** How old a copy may be to answer a load question: workers renew their load every couple of seconds. */
    static final Duration LOAD_REFRESH = Duration.ofSeconds(1);
    /** A worker's load report older than this is not counted (see {@link LoadSum}). */
    public static final Duration LOAD_MAX_AGE = Duration.ofSeconds(10);
    private static final Duration POLL = Duration.ofMillis(100);

    private final String topic;
    private final Supplier<Consumer<String, byte[]>> consumers;
    private final Duration readTimeout;
    private final Clock clock;
    private final LongSupplier nanoTime;
    private final Map<String, ModelAnnouncement> byKey = new HashMap<>();
    private Consumer<String, byte[]> consumer;
    private long readNanos;
    private boolean read;
    private boolean closed;

    /**
     * @param consumers   makes the consumer (no group, no auto-created topics), on first use
     * @param readTimeout the longest one refresh may take
     */
    public ModelDirectory(String topic, Supplier<Consumer<String, byte[]>> consumers, Duration readTimeout,
                          Clock clock, LongSupplier nanoTime) {
        this.topic = topic;
        this.consumers = consumers;
        this.readTimeout = readTimeout;
        this.clock = clock;
        this.nanoTime = nanoTime;
    }

    /** The topic announcements are read from. */
    public String topic() {
        return topic;
    }

    /** The prompts topic of {@code model}, or an {@link UnknownModelException} listing the served ones. */
    public synchronized String topicFor(String model) {
        return served(model).promptsTopic();
    }

    /** The served model of that name, or an {@link UnknownModelException} listing the served ones. */
    public synchronized ServedModel served(String model) {
        return find(model).orElseThrow(() -> new UnknownModelException(model, List.copyOf(served().keySet()), topic));
    }

    /** The served model of that name, reading the topic again first when the name is not known yet. */
    public synchronized Optional<ServedModel> find(String model) {
        refreshIfOlderThan(REFRESH);
        ServedModel found = served().get(model);
        if (found == null) {
            refreshIfOlderThan(MISS_REFRESH);
            found = served().get(model);
        }
        return Optional.ofNullable(found);
    }

    /**
     * The load of {@code model} summed over its workers' recent reports, reading the topic again first when this copy
     * is older than {@link #LOAD_REFRESH}; empty when no worker reports load.
     */
    public synchronized Optional<ModelLoad> load(String model) {
        refreshIfOlderThan(LOAD_REFRESH);
        return LoadSum.of(model, byKey.values(), clock.instant(), LOAD_MAX_AGE);
    }

    /** The models served now, sorted by name. */
    public synchronized List<ServedModel> servedModels() {
        refreshIfOlderThan(REFRESH);
        return List.copyOf(served().values());
    }

    /** Live announcements grouped by model: the most recent one names the topic. */
    private TreeMap<String, ServedModel> served() {
        Instant now = clock.instant();
        Map<String, List<ModelAnnouncement>> live = byKey.values().stream().filter(a -> a.liveAt(now))
                .collect(Collectors.groupingBy(ModelAnnouncement::model));
        TreeMap<String, ServedModel> models = new TreeMap<>();
        live.forEach((name, announcements) -> {
            ModelAnnouncement latest = announcements.stream()
                    .max(Comparator.comparing(ModelAnnouncement::announcedAt)).orElseThrow();
            List<String> workers = announcements.stream().map(ModelAnnouncement::worker).sorted().toList();
            Instant expires = announcements.stream().map(ModelAnnouncement::expiresAt).max(Comparator.naturalOrder())
                    .orElseThrow();
            models.put(name, new ServedModel(name, latest.promptsTopic(), workers, expires,
                    callsTools(announcements)));
        });
        return models;
    }

    /** False when every announcement says its worker calls no tools, true when one says it does, else unknown. */
    private static Boolean callsTools(List<ModelAnnouncement> announcements) {
        if (announcements.stream().anyMatch(a -> Boolean.TRUE.equals(a.callsTools()))) {
            return true;
        }
        return announcements.stream().allMatch(a -> Boolean.FALSE.equals(a.callsTools())) ? false : null;
    }

    private void refreshIfOlderThan(Duration age) {
        if (closed) {
            throw new IllegalStateException("the model directory is closed");
        }
        if (read && nanoTime.getAsLong() - readNanos < age.toNanos()) {
            return;
        }
        try {
            readToEnd();
            read = true;
            readNanos = nanoTime.getAsLong();
        } catch (RuntimeException e) {
            if (!read) {
                throw new ParleyException("cannot read the served models from " + topic + ": " + e.getMessage(), e);
            }
            // Keep answering from the last copy; the next lookup tries again.
            readNanos = nanoTime.getAsLong();
            log.warn("Cannot refresh the served models from {}, using what was read before: {}", topic, e.toString());
        }
    }

    /** Reads every partition from where the last read stopped up to the end offsets as of now. */
    private void readToEnd() {
        if (consumer == null) {
            consumer = consumers.get();
        }
        assignNewPartitions();
        Set<TopicPartition> assigned = consumer.assignment();
        if (assigned.isEmpty()) {
            return; // no topic yet: no worker has announced anything
        }
        Map<TopicPartition, Long> ends = consumer.endOffsets(assigned, readTimeout);
        long deadline = nanoTime.getAsLong() + readTimeout.toNanos();
        while (!reached(ends)) {
            if (nanoTime.getAsLong() > deadline) {
                throw new ParleyException("reading " + topic + " took longer than " + readTimeout);
            }
            for (ConsumerRecord<String, byte[]> record : consumer.poll(POLL)) {
                apply(record);
            }
        }
    }

    private boolean reached(Map<TopicPartition, Long> ends) {
        for (Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
            if (consumer.position(end.getKey(), readTimeout) < end.getValue()) {
                return false;
            }
        }
        return true;
    }

    private void assignNewPartitions() {
        List<PartitionInfo> partitions = consumer.partitionsFor(topic, readTimeout);
        if (partitions == null || partitions.isEmpty()) {
            return;
        }
        Set<TopicPartition> current = consumer.assignment();
        List<TopicPartition> added = new ArrayList<>();
        for (PartitionInfo info : partitions) {
            TopicPartition partition = new TopicPartition(topic, info.partition());
            if (!current.contains(partition)) {
                added.add(partition);
            }
        }
        if (!added.isEmpty()) {
            List<TopicPartition> all = new ArrayList<>(current);
            all.addAll(added);
            consumer.assign(all);
            consumer.seekToBeginning(added);
        }
    }

    private void apply(ConsumerRecord<String, byte[]> record) {
        if (record.key() == null) {
            return;
        }
        if (record.value() == null) {
            byKey.remove(record.key()); // a tombstone: that worker withdrew its model
            return;
        }
        try {
            ModelAnnouncement announcement = WireJson.fromBytes(record.value(), ModelAnnouncement.class);
            byKey.put(record.key(), announcement);
        } catch (RuntimeException e) {
            log.warn("Skipping unreadable model announcement at {}-{}@{}: {}", record.topic(), record.partition(),
                    record.offset(), e.getMessage());
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (consumer != null) {
            consumer.close();
        }
    }
}
