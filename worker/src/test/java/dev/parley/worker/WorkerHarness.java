package dev.parley.worker;

import dev.parley.client.ParleyClient;
import dev.parley.schemas.DeadLetter;
import dev.parley.schemas.codec.WireJson;
import dev.parley.testkit.ParleyInfra;
import dev.parley.worker.config.WorkerConfig;
import dev.parley.worker.engine.InferenceEngine;
import dev.parley.worker.history.HistoryEntry;
import dev.parley.worker.history.RedisHistoryStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * One test's Parley: its own topics and consumer group on the shared broker, workers on given engines, a client,
 * and direct views of Redis and the dead-letter topic to check what happened.
 */
final class WorkerHarness implements AutoCloseable {

    final ParleyInfra infra;
    final String prefix = "t" + UUID.randomUUID().toString().substring(0, 8);
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final List<Worker> workers = new ArrayList<>();
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final int partitions;

    WorkerHarness(ParleyInfra infra, int partitions) {
        this.infra = infra;
        this.partitions = partitions;
    }

    String promptsTopic() {
        return prefix + ".prompts";
    }

    String repliesTopic() {
        return prefix + ".replies";
    }

    String deadLetterTopic() {
        return prefix + ".dlq";
    }

    String controlTopic() {
        return prefix + ".control";
    }

    WorkerConfig.Builder config(String workerId) {
        return WorkerConfig.builder()
                .bootstrapServers(infra.bootstrapServers())
                .redisUri(infra.redisUri())
                .promptsTopic(promptsTopic())
                .repliesTopic(repliesTopic())
                .deadLetterTopic(deadLetterTopic())
                .controlTopic(controlTopic())
                .groupId(prefix + "-workers")
                .workerId(workerId)
                .partitions(partitions)
                .shutdownGrace(Duration.ofSeconds(20))
                .commitInterval(Duration.ofMillis(200));
    }

    Worker startWorker(String workerId, InferenceEngine engine) {
        return startWorker(config(workerId).build(), engine);
    }

    Worker startWorker(WorkerConfig config, InferenceEngine engine) {
        return startWorker(config, dev.parley.worker.models.ModelServing.DEFAULT, engine);
    }

    Worker startWorker(WorkerConfig config, dev.parley.worker.models.ModelServing serving, InferenceEngine engine) {
        Worker worker = Worker.start(config, serving, engine, registry);
        workers.add(worker);
        return worker;
    }

    /** Creates this test's topics ahead of any worker. */
    void createTopics() {
        try (var admin = org.apache.kafka.clients.admin.Admin.create(
                Map.<String, Object>of("bootstrap.servers", infra.bootstrapServers()))) {
            dev.parley.worker.intake.TopicProvisioner.ensure(admin,
                    List.of(promptsTopic(), repliesTopic(), deadLetterTopic(), controlTopic()), partitions, (short) -1);
        }
    }

    ParleyClient client() {
        return client(java.util.function.UnaryOperator.identity());
    }

    /** A client on this test's topics, with {@code tweak} applied to its builder. */
    ParleyClient client(java.util.function.UnaryOperator<ParleyClient.Builder> tweak) {
        ParleyClient client = tweak.apply(ParleyClient.builder()
                .bootstrapServers(infra.bootstrapServers())
                .promptsTopic(promptsTopic())
                .repliesTopic(repliesTopic())
                .controlTopic(controlTopic())
                .replyTimeout(Duration.ofSeconds(120)))
                .build();
        closeables.add(client);
        return client;
    }

    /** The conversation's stored turns. */
    List<HistoryEntry> history(String conversationId) {
        try (RedisHistoryStore store = RedisHistoryStore.connect(infra.redisUri(), Duration.ZERO)) {
            return store.load(conversationId);
        }
    }

    /**
     * A producer of raw records for drills that send thousands of them. Its sends may wait up to ten minutes: a loaded
     * 2-core machine can keep a batch from the broker (which lives in this JVM) longer than the client's default two
     * minutes, and a send that expires fails the drill for the machine's speed, not for what it tests. The drills wait
     * for the sends with {@link dev.parley.testkit.kafka.ProducerAcks}, which fails when none was acknowledged for a
     * quiet period, and for the outcomes through their progress waits.
     */
    KafkaProducer<String, byte[]> rawProducer() {
        return new KafkaProducer<>(Map.<String, Object>of("bootstrap.servers", infra.bootstrapServers(),
                "linger.ms", 5, "delivery.timeout.ms", 600_000, "request.timeout.ms", 120_000),
                new StringSerializer(), new ByteArraySerializer());
    }

    /** Sends a raw record to the prompts topic. */
    void sendRaw(String key, byte[] value) throws Exception {
        try (var producer = rawProducer()) {
            producer.send(new ProducerRecord<>(promptsTopic(), key, value)).get();
        }
    }

    /** Reads the dead-letter topic from the start until {@code expected} letters arrived or the timeout passed. */
    List<DeadLetter> deadLetters(int expected, Duration timeout) {
        return readAll(deadLetterTopic(), expected, timeout).stream()
                .map(r -> WireJson.fromBytes(r.value(), DeadLetter.class)).collect(Collectors.toList());
    }

    /** Reads a topic from the start. */
    List<ConsumerRecord<String, byte[]>> readAll(String topic, int expected, Duration timeout) {
        try (var consumer = new KafkaConsumer<>(Map.<String, Object>of("bootstrap.servers", infra.bootstrapServers()),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            Set<TopicPartition> all = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).collect(Collectors.toSet());
            consumer.assign(all);
            consumer.seekToBeginning(all);
            List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
            long deadline = System.nanoTime() + timeout.toNanos();
            while (records.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
            return records;
        }
    }

    @Override
    public void close() throws Exception {
        for (AutoCloseable closeable : closeables) {
            closeable.close();
        }
        for (Worker worker : workers) {
            worker.close();
        }
    }
}
