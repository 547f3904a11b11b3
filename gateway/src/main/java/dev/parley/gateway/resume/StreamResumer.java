package dev.parley.gateway.resume;

import dev.parley.client.ParleyClient;
import dev.parley.gateway.openai.OpenAiException;
import dev.parley.schemas.Prompt;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/**
 * Resumable streams for every streaming route: each stream is recorded in the {@link StreamJournal} before its prompt
 * is sent; a client that hangs up gets {@link ResumeSettings#grace()} to come back before its request is cancelled
 * (a background response is never cancelled for it); a resume, on any gateway, replays the stream from the reply
 * topic ({@link KafkaReplay}).
 */
public final class StreamResumer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(StreamResumer.class);

    private final StreamJournal journal;
    private final ParleyClient client;
    private final Supplier<Consumer<String, byte[]>> consumers;
    private final String repliesTopic;
    private final Duration grace;
    private final Duration pingInterval;
    private final Clock clock;
    private final ScheduledExecutorService cancels = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "gateway-stream-cancels");
        thread.setDaemon(true);
        return thread;
    });

    public StreamResumer(StreamJournal journal, ParleyClient client, Supplier<Consumer<String, byte[]>> consumers,
                         String repliesTopic, Duration grace, Duration pingInterval, Clock clock) {
        this.journal = journal;
        this.client = client;
        this.consumers = consumers;
        this.repliesTopic = repliesTopic;
        this.grace = grace;
        this.pingInterval = pingInterval;
        this.clock = clock;
    }

    /** Consumers of the reply topic for replays: no group, nothing committed, the gateway's Kafka properties. */
    public static Supplier<Consumer<String, byte[]>> consumers(String bootstrapServers, Map<String, String> properties,
                                                               String clientId) {
        return () -> {
            Map<String, Object> config = new HashMap<>(properties);
            config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
            config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
            config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
            config.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId + "-replay");
            return new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
        };
    }

    /** The stream record for a prompt about to be sent; the route adds its own {@code details}. */
    public StreamRecord record(String tenant, String streamId, Prompt prompt, boolean background,
                               JsonNode details) {
        long now = clock.millis();
        long deadline = prompt.deadline() == null ? now : prompt.deadline().toEpochMilli();
        StreamRecord stream = new StreamRecord(streamId, prompt.requestId(), prompt.conversationId(), now, deadline,
                background, details);
        journal.record(tenant, stream);
        return stream;
    }

    /**
     * The client of a stream hung up: its request is cancelled after the grace unless a client resumed it meanwhile
     * (on any gateway); a background response goes on regardless.
     */
    public void abandoned(String tenant, String streamId, Prompt prompt, boolean background) {
        if (background) {
            return;
        }
        Runnable cancel = () -> {
            if (!journal.resumed(tenant, streamId)) {
                client.cancel(prompt.conversationId(), prompt.requestId());
            }
        };
        if (grace.isZero()) {
            cancel.run();
        } else {
            cancels.schedule(() -> {
                try {
                    cancel.run();
                } catch (RuntimeException e) {
                    log.warn("could not cancel abandoned stream {}: {}", streamId, e.getMessage());
                }
            }, grace.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /**
     * The tenant's stream, marked resumed; a 404 {@code stream_not_found} naming {@code param} when it never started
     * here, is another tenant's, or its retention passed.
     */
    public StreamRecord find(String tenant, String streamId, String param) {
        StreamRecord stream = journal.find(tenant, streamId);
        if (stream == null) {
            throw OpenAiException.notFound(param, "stream_not_found", "No resumable stream '" + streamId + "': streams "
                    + "can be resumed for " + journal.retention() + " after they start");
        }
        journal.markResumed(tenant, streamId);
        return stream;
    }

    /** Replays the stream from the reply topic (a 410 {@code stream_expired} when the topic lost its records). */
    public KafkaReplay replay(StreamRecord stream) {
        return KafkaReplay.open(consumers.get(), repliesTopic, stream, pingInterval, clock);
    }

    @Override
    public void close() {
        cancels.shutdownNow();
    }
}
