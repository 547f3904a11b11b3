package dev.parley.gateway.resume;

import dev.parley.client.ParleyTimeoutException;
import dev.parley.gateway.openai.OpenAiException;
import dev.parley.schemas.Chunk;
import dev.parley.schemas.Reply;
import dev.parley.schemas.codec.WireJson;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.InvalidOffsetException;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;
import tools.jackson.databind.JsonNode;

/**
 * A stream's answer read again from the reply topic, by any gateway: its chunks and reply are keyed by its
 * conversation, so they all lie on one partition, after the time its prompt was sent. The replay reads that partition
 * from there (less {@link #CLOCK_SLACK}, as record times are the worker's clock), keeps its request's records and
 * passes its chunks on as the live stream did (each once, in order, a retried generation's older attempts dropped),
 * then its reply. It ends with a timeout once the prompt's deadline and {@link #DEADLINE_MARGIN} passed without one.
 */
public final class KafkaReplay implements AnswerSource, AutoCloseable {

    static final Duration CLOCK_SLACK = Duration.ofMinutes(1);
    static final Duration DEADLINE_MARGIN = Duration.ofSeconds(30);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration METADATA_TIMEOUT = Duration.ofSeconds(15);

    private final Consumer<String, byte[]> consumer;
    private final String topic;
    private final StreamRecord stream;
    private final Duration pingInterval;
    private final Clock clock;
    private final Deque<Object> ready = new ArrayDeque<>();
    private int attempt = 1;
    private int nextSeq;
    private boolean replied;

    private KafkaReplay(Consumer<String, byte[]> consumer, String topic, StreamRecord stream, Duration pingInterval,
                        Clock clock) {
        this.consumer = consumer;
        this.topic = topic;
        this.stream = stream;
        this.pingInterval = pingInterval;
        this.clock = clock;
    }

    /**
     * Positions {@code consumer} (which it then owns) at the stream's first possible record on {@code topic}; a
     * stream whose records the topic no longer holds is a 410 {@code stream_expired}.
     */
    static KafkaReplay open(Consumer<String, byte[]> consumer, String topic, StreamRecord stream,
                            Duration pingInterval, Clock clock) {
        try {
            TopicPartition partition = partition(consumer, topic, stream.conversationId());
            consumer.assign(List.of(partition));
            long since = stream.sentAtMillis() - CLOCK_SLACK.toMillis();
            OffsetAndTimestamp start = consumer.offsetsForTimes(Map.of(partition, since), METADATA_TIMEOUT)
                    .get(partition);
            long first = consumer.beginningOffsets(List.of(partition), METADATA_TIMEOUT).get(partition);
            if (first > 0 && (start == null ? clock.millis() > deadline(stream) : start.offset() == first)) {
                // Records from before the stream began were deleted, so some of its own may have been.
                throw expired(topic);
            }
            if (start == null) {
                consumer.seekToEnd(List.of(partition)); // nothing written since: its records are still to come
            } else {
                consumer.seek(partition, start.offset());
            }
            return new KafkaReplay(consumer, topic, stream, pingInterval, clock);
        } catch (RuntimeException e) {
            consumer.close();
            throw e;
        }
    }

    /** The partition the worker's producer writes the conversation's records to (Kafka's default partitioner). */
    static TopicPartition partition(Consumer<String, byte[]> consumer, String topic, String conversationId) {
        List<PartitionInfo> partitions = consumer.partitionsFor(topic, METADATA_TIMEOUT);
        if (partitions == null || partitions.isEmpty()) {
            throw OpenAiException.unavailable("the reply topic " + topic + " has no partitions");
        }
        byte[] key = conversationId.getBytes(StandardCharsets.UTF_8);
        return new TopicPartition(topic, Utils.toPositive(Utils.murmur2(key)) % partitions.size());
    }

    private static long deadline(StreamRecord stream) {
        return stream.deadlineMillis() + DEADLINE_MARGIN.toMillis();
    }

    private static OpenAiException expired(String topic) {
        return new OpenAiException(410, "invalid_request_error", null, "stream_expired", "this stream's records are "
                + "no longer on the reply topic " + topic + " (its retention passed); retrieve the response instead");
    }

    @Override
    public Object next() throws InterruptedException {
        long until = System.nanoTime() + pingInterval.toNanos();
        while (ready.isEmpty() && !replied && System.nanoTime() < until) {
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            try {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(POLL)) {
                    if (!replied && stream.conversationId().equals(record.key())) {
                        read(record.value());
                    }
                }
            } catch (InvalidOffsetException e) {
                return expired(topic); // deleted while it was read: an error event, the stream is cut there
            }
        }
        if (!ready.isEmpty()) {
            return ready.poll();
        }
        if (!replied && clock.millis() > deadline(stream)) {
            return new ParleyTimeoutException(stream.requestId(), stream.conversationId(),
                    Duration.ofMillis(stream.deadlineMillis() - stream.sentAtMillis()));
        }
        return null;
    }

    /** Keeps the stream's own records: its chunks as the live stream passed them on, then its reply. */
    private void read(byte[] value) {
        JsonNode json;
        try {
            json = WireJson.mapper().readTree(value);
        } catch (RuntimeException unreadable) {
            return; // the live stream's reader stepped past it too
        }
        if (!stream.requestId().equals(json.path("request_id").asString(""))) {
            return;
        }
        if (Chunk.TYPE.equals(json.path("type").asString(""))) {
            Chunk chunk = WireJson.mapper().treeToValue(json, Chunk.class);
            if (chunk.attempt() > attempt || (chunk.attempt() == attempt && chunk.seq() >= nextSeq)) {
                attempt = chunk.attempt();
                nextSeq = chunk.seq() + 1;
                ready.add(chunk);
            }
        } else {
            ready.add(WireJson.mapper().treeToValue(json, Reply.class));
            replied = true;
        }
    }

    @Override
    public void close() {
        consumer.close();
    }
}
