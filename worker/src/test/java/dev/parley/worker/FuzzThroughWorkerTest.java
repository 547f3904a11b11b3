package dev.parley.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.schemas.PromptMutator;
import dev.parley.schemas.TestVectors;
import dev.parley.schemas.codec.WireJson;
import dev.parley.schemas.validation.PromptDecoder;
import dev.parley.testkit.ParleyInfra;
import dev.parley.testkit.junit.ParleyInfraExtension;
import dev.parley.worker.engine.cpp.NativeEngine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ten thousand mutants of valid prompts through Kafka into one worker: each ends in the dead-letter topic (with its
 * source offset) or in a reply to its request id, on the default (native) engine; the worker stays up and every
 * partition's commit reaches the end.
 */
@ExtendWith({ParleyInfraExtension.class, EngineExtension.class})
class FuzzThroughWorkerTest {

    private static final Logger log = LoggerFactory.getLogger(FuzzThroughWorkerTest.class);
    private static final int MUTANTS = 10_000;
    private static final int MAX_PROMPT_BYTES = 4096;

    private record Sent(int partition, long offset, String requestId) {
    }

    @Test
    void everyMutantEndsInTheDeadLetterTopicOrAReply(ParleyInfra infra, @EngineExtension.Tiny NativeEngine engine)
            throws Exception {
        try (WorkerHarness harness = new WorkerHarness(infra, 4)) {
            Worker worker = harness.startWorker(harness.config("fuzz-worker").maxPromptBytes(MAX_PROMPT_BYTES)
                    .maxBufferedRecords(500).build(), engine);
            PromptMutator mutator = new PromptMutator(7L, TestVectors.locate().validPrompts());
            PromptDecoder decoder = new PromptDecoder(MAX_PROMPT_BYTES);
            List<Future<RecordMetadata>> acks = new ArrayList<>();
            List<String> expectedRequest = new ArrayList<>();
            long started = System.nanoTime();
            try (var producer = new KafkaProducer<>(Map.<String, Object>of("bootstrap.servers", infra.bootstrapServers(),
                    "linger.ms", 5), new StringSerializer(), new ByteArraySerializer())) {
                for (int i = 0; i < MUTANTS; i++) {
                    // Many conversations, so histories stay short: the drill is about intake, not prefill speed.
                    PromptMutator.Mutant mutant = mutator.next(i, 5000, 1);
                    var outcome = decoder.decode(mutant.key(), mutant.value());
                    // Accepted prompts are answered, unless their reply_to topic does not exist: dead-lettered too.
                    // So are prompts naming another model than the worker serves (unknown_model).
                    boolean answerable = outcome instanceof PromptDecoder.Accepted a
                            && (a.prompt().replyTo() == null || a.prompt().replyTo().equals(harness.repliesTopic()))
                            && (a.prompt().model() == null || a.prompt().model().equals(worker.servedModel().name()));
                    expectedRequest.add(answerable ? ((PromptDecoder.Accepted) outcome).prompt().requestId() : null);
                    // A record without a key is spread over partitions; the worker must dead-letter it wherever.
                    acks.add(producer.send(new ProducerRecord<>(harness.promptsTopic(), mutant.key(), mutant.value())));
                }
            }
            List<Sent> sent = new ArrayList<>();
            for (int i = 0; i < MUTANTS; i++) {
                RecordMetadata metadata = acks.get(i).get();
                sent.add(new Sent(metadata.partition(), metadata.offset(), expectedRequest.get(i)));
            }
            Set<String> wantedReplies = sent.stream().map(Sent::requestId).filter(r -> r != null).collect(Collectors.toSet());
            Set<String> wantedDeadLetters = sent.stream().filter(s -> s.requestId() == null)
                    .map(s -> s.partition() + "@" + s.offset()).collect(Collectors.toSet());

            Set<String> replied = new HashSet<>();
            Set<String> deadLettered = new HashSet<>();
            Map<String, Integer> replyStatuses = new HashMap<>();
            try (var consumer = new KafkaConsumer<>(Map.<String, Object>of("bootstrap.servers", infra.bootstrapServers(),
                    "max.poll.records", 2000), new StringDeserializer(), new ByteArrayDeserializer())) {
                Set<TopicPartition> all = new HashSet<>();
                for (String topic : List.of(harness.repliesTopic(), harness.deadLetterTopic())) {
                    consumer.partitionsFor(topic).forEach(p -> all.add(new TopicPartition(topic, p.partition())));
                }
                consumer.assign(all);
                consumer.seekToBeginning(all);
                // Progress, not a total: give up only when nothing arrived for a minute.
                long lastArrival = System.nanoTime();
                while ((!replied.containsAll(wantedReplies) || !deadLettered.containsAll(wantedDeadLetters))
                        && System.nanoTime() - lastArrival < Duration.ofMinutes(1).toNanos()) {
                    var records = consumer.poll(Duration.ofMillis(500));
                    if (!records.isEmpty()) {
                        lastArrival = System.nanoTime();
                    }
                    for (var record : records) {
                        var json = WireJson.mapper().readTree(record.value());
                        if (record.topic().equals(harness.deadLetterTopic())) {
                            deadLettered.add(json.get("source").get("partition").asInt() + "@"
                                    + json.get("source").get("offset").asLong());
                        } else if (json.has("status")) {
                            replied.add(json.get("request_id").asString());
                            replyStatuses.merge(json.get("status").asString(), 1, Integer::sum);
                        }
                    }
                }
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            log.info("Fuzz through the worker: {} mutants, {} accepted and answered {}, {} dead-lettered, in {} s",
                    MUTANTS, wantedReplies.size(), replyStatuses, wantedDeadLetters.size(), String.format("%.1f", seconds));

            assertThat(wantedDeadLetters).isNotEmpty();
            assertThat(wantedReplies).isNotEmpty();
            assertThat(deadLettered).containsAll(wantedDeadLetters);
            assertThat(replied).containsAll(wantedReplies);
            assertThat(worker.isRunning()).isTrue();
            // No partition stopped moving: the group's commits reach the end of every partition.
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", infra.bootstrapServers()))) {
                long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                boolean caughtUp = false;
                while (!caughtUp && System.nanoTime() < end) {
                    Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(
                            harness.prefix + "-workers").partitionsToOffsetAndMetadata().get();
                    var latest = admin.listOffsets(committed.keySet().stream()
                            .collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest()))).all().get();
                    caughtUp = committed.size() == 4 && committed.entrySet().stream()
                            .allMatch(e -> e.getValue().offset() == latest.get(e.getKey()).offset());
                    if (!caughtUp) {
                        Thread.sleep(200); // commits are periodic; poll the broker until they land
                    }
                }
                assertThat(caughtUp).as("every partition committed to its end").isTrue();
            }
        }
    }
}
