package dev.parley.worker;

import dev.parley.schemas.codec.WireJson;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import tools.jackson.databind.JsonNode;

/**
 * What a drill's records turned into: the final replies (by request id, in the order they arrived) and the dead
 * letters (by source "partition@offset") read from a test's topics. Every wait here is on progress: it fails only
 * when nothing new arrived for a quiet period, with diagnostics (the worker's log, say) in the message.
 */
final class TopicOutcomes implements AutoCloseable {

    private final String repliesTopic;
    private final String deadLetterTopic;
    private final KafkaConsumer<String, byte[]> consumer;
    /** Final replies (those with a status) by request id. */
    final Map<String, List<JsonNode>> replies = new HashMap<>();
    /** Dead letters by source position. */
    final Map<String, JsonNode> deadLetters = new HashMap<>();
    /** Final replies' statuses, counted. */
    final Map<String, Integer> statuses = new HashMap<>();

    TopicOutcomes(String bootstrapServers, String repliesTopic, String deadLetterTopic) {
        this.repliesTopic = repliesTopic;
        this.deadLetterTopic = deadLetterTopic;
        this.consumer = new KafkaConsumer<>(Map.<String, Object>of("bootstrap.servers", bootstrapServers,
                "max.poll.records", 2000), new StringDeserializer(), new ByteArrayDeserializer());
        Set<TopicPartition> all = new HashSet<>();
        for (String topic : List.of(repliesTopic, deadLetterTopic)) {
            consumer.partitionsFor(topic).forEach(p -> all.add(new TopicPartition(topic, p.partition())));
        }
        consumer.assign(all);
        consumer.seekToBeginning(all);
    }

    /** Reads until every request id has a final reply and every position a dead letter; fails after quiet. */
    void await(Set<String> requestIds, Set<String> deadLetterPositions, Duration quiet, Supplier<String> diagnostics) {
        long lastArrival = System.nanoTime();
        while (!replies.keySet().containsAll(requestIds) || !deadLetters.keySet().containsAll(deadLetterPositions)) {
            if (System.nanoTime() - lastArrival > quiet.toNanos()) {
                Set<String> missingReplies = new HashSet<>(requestIds);
                missingReplies.removeAll(replies.keySet());
                Set<String> missingLetters = new HashSet<>(deadLetterPositions);
                missingLetters.removeAll(deadLetters.keySet());
                throw new AssertionError("nothing new for " + quiet.toSeconds() + " s; missing " + missingReplies.size()
                        + " replies " + first(missingReplies) + " and " + missingLetters.size() + " dead letters "
                        + first(missingLetters) + "\n" + diagnostics.get());
            }
            if (readOnce()) {
                lastArrival = System.nanoTime();
            }
        }
    }

    private boolean readOnce() {
        var records = consumer.poll(Duration.ofMillis(500));
        for (var record : records) {
            JsonNode json = WireJson.mapper().readTree(record.value());
            if (record.topic().equals(deadLetterTopic)) {
                deadLetters.put(json.get("source").get("partition").asInt() + "@"
                        + json.get("source").get("offset").asLong(), json);
            } else if (record.topic().equals(repliesTopic) && json.has("status")) {
                replies.computeIfAbsent(json.get("request_id").asString(), id -> new ArrayList<>()).add(json);
                statuses.merge(json.get("status").asString(), 1, Integer::sum);
            }
        }
        return !records.isEmpty();
    }

    private static String first(Set<String> missing) {
        return missing.stream().sorted().limit(10).collect(Collectors.toList()).toString();
    }

    /**
     * Waits until the group's committed offset of every partition of {@code topic} is the partition's end; fails when
     * the commits did not move for {@code quiet}.
     */
    static void awaitCommittedToEnd(String bootstrapServers, String group, String topic, Duration quiet,
                                    Supplier<String> diagnostics) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrapServers))) {
            Map<TopicPartition, OffsetSpec> ends = new HashMap<>();
            admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions()
                    .forEach(p -> ends.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
            var latest = admin.listOffsets(ends).all().get();
            Map<TopicPartition, Long> last = Map.of();
            long lastChange = System.nanoTime();
            while (true) {
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                        .partitionsToOffsetAndMetadata().get();
                Map<TopicPartition, Long> now = new HashMap<>();
                committed.forEach((tp, offset) -> {
                    if (offset != null && tp.topic().equals(topic)) {
                        now.put(tp, offset.offset());
                    }
                });
                if (ends.keySet().stream().allMatch(tp -> now.getOrDefault(tp, -1L) == latest.get(tp).offset())) {
                    return;
                }
                if (!now.equals(last)) {
                    last = now;
                    lastChange = System.nanoTime();
                } else if (System.nanoTime() - lastChange > quiet.toNanos()) {
                    throw new AssertionError("commits of " + topic + " stuck at " + now + " for " + quiet.toSeconds()
                            + " s; ends " + latest.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey,
                            e -> e.getValue().offset())) + "\n" + diagnostics.get());
                }
                Thread.sleep(200); // commits are periodic; poll the broker until they land
            }
        }
    }

    @Override
    public void close() {
        consumer.close();
    }
}
