package dev.parley.gateway.responses;

import dev.parley.gateway.openai.Json;
import dev.parley.schemas.Chunk;
import dev.parley.schemas.Reply;
import dev.parley.schemas.codec.WireJson;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.params.SetParams;
import tools.jackson.databind.JsonNode;

/**
 * Background responses completed by whichever gateway reads their reply, not only the one that sent them: the
 * gateways of a pool read the reply topic in one consumer group ({@code parley-gateway-background.<topic>}), each a
 * share of its partitions, and store each awaited background response's reply over it. A gateway that dies (SIGKILL
 * included) leaves its partitions to the others within the group's session timeout ({@value #SESSION_TIMEOUT_MS} ms),
 * and they read on from its last commit, so no reply is left unread. Storing is idempotent (only a response still
 * queued, or cancelled and waiting for the worker's cancelled reply, is stored over), so a reply read twice, or by the
 * sender and the group both, is stored once.
 *
 * <p>Which replies are awaited is in Redis: {@code parley:gateway:background:<request id>} holds the tenant, from the
 * send until the reply was stored (or the prompt's deadline and a margin passed).
 */
final class BackgroundCompletions implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(BackgroundCompletions.class);
    static final int SESSION_TIMEOUT_MS = 10_000;
    private static final Duration POLL = Duration.ofMillis(500);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
    private static final byte[] CHUNK_PREFIX = ("{\"type\":\"" + Chunk.TYPE + "\"").getBytes();

    private final RedisClient redis;
    private final ResponseStore store;
    private final Supplier<Consumer<String, byte[]>> consumers;
    private final String topic;
    private final Duration awaitFor;
    private final Thread thread;
    private final CountDownLatch closing = new CountDownLatch(1);
    private volatile boolean running = true;
    private volatile Consumer<String, byte[]> consumer;
    private long failures;

    /** @param awaitFor how long a reply is awaited after its send: the prompt's deadline and a margin */
    BackgroundCompletions(RedisClient redis, ResponseStore store, Supplier<Consumer<String, byte[]>> consumers,
                          String topic, Duration awaitFor) {
        this.redis = redis;
        this.store = store;
        this.consumers = consumers;
        this.topic = topic;
        this.awaitFor = awaitFor;
        this.thread = new Thread(this::run, "gateway-background-completions");
        thread.setDaemon(true);
    }

    /** The group's consumers: the gateway's Kafka properties, commits by hand after the replies were stored. */
    static Supplier<Consumer<String, byte[]>> groupConsumers(String bootstrapServers, Map<String, String> properties,
                                                             String clientId, String topic) {
        return () -> {
            Map<String, Object> config = new HashMap<>(properties);
            config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
            config.put(ConsumerConfig.GROUP_ID_CONFIG, "parley-gateway-background." + topic);
            config.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId + "-background");
            config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
            // A new group reads what is there: a reply written before the first gateway joined is still stored.
            config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            config.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, SESSION_TIMEOUT_MS);
            config.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, SESSION_TIMEOUT_MS / 4);
            return new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
        };
    }

    void start() {
        thread.start();
    }

    /** Marks the request's reply as awaited by a background response of {@code tenant}; before its prompt is sent. */
    void expect(String tenant, String requestId) {
        redis.set(pendingKey(requestId), tenant, SetParams.setParams().ex(awaitFor.toSeconds()));
    }

    static String pendingKey(String requestId) {
        return "parley:gateway:background:" + requestId;
    }

    private void run() {
        while (running) {
            try (Consumer<String, byte[]> reader = consumers.get()) {
                consumer = reader;
                reader.subscribe(List.of(topic));
                while (running) {
                    ConsumerRecords<String, byte[]> records = reader.poll(POLL);
                    for (ConsumerRecord<String, byte[]> record : records) {
                        handle(record.value());
                    }
                    if (!records.isEmpty()) {
                        reader.commitSync(); // after the replies were stored: a gateway that dies redoes them
                    }
                    failures = 0;
                }
            } catch (WakeupException woken) {
                return;
            } catch (RuntimeException e) {
                // Redis or the broker away: read again from the last commit, after a growing pause.
                failures++;
                long pause = Math.min(MAX_BACKOFF.toMillis(), 500L << Math.min(failures, 6));
                log.warn("background completions failed ({} in a row), reading again in {} ms: {}", failures, pause,
                        e.toString());
                try {
                    if (closing.await(pause, TimeUnit.MILLISECONDS)) {
                        return;
                    }
                } catch (InterruptedException interrupted) {
                    return;
                }
            }
        }
    }

    /** Stores the reply if a background response awaits it; any other record is passed over. */
    private void handle(byte[] value) {
        if (value == null || startsWith(value, CHUNK_PREFIX)) {
            return;
        }
        JsonNode json;
        try {
            json = WireJson.mapper().readTree(value);
        } catch (RuntimeException unreadable) {
            return; // only costs itself; the SDK's listeners count it
        }
        if (Chunk.TYPE.equals(json.path("type").asString("")) || !json.hasNonNull("request_id")) {
            return;
        }
        String tenant = redis.get(pendingKey(json.path("request_id").asString()));
        if (tenant != null) {
            Reply reply;
            try {
                reply = WireJson.mapper().treeToValue(json, Reply.class);
            } catch (RuntimeException unreadable) {
                log.warn("background reply for {} is unreadable: {}", json.path("request_id").asString(), unreadable.toString());
                return;
            }
            complete(tenant, reply);
        }
    }

    /** Stores the response {@code reply} answers over the awaiting one, unless it was deleted or already stored. */
    void complete(String tenant, Reply reply) {
        String id = ResponseJson.responseId(reply.requestId());
        StoredResponse stored = store.find(tenant, id);
        if (stored != null && awaiting(stored.response())) {
            Map<String, Object> finished = FinishedResponses.from(stored.response(), reply);
            boolean failed = "failed".equals(finished.get("status"));
            store.save(tenant, new StoredResponse(id, stored.conversationId(),
                    failed || reply.turn() == null ? 0 : reply.turn(), stored.previousResponseId(), stored.system(),
                    stored.input(), failed ? "" : FinishedResponses.text(reply), Json.mapper().valueToTree(finished)));
        }
        redis.del(pendingKey(reply.requestId()));
    }

    /** Queued, or cancelled by the gateway and waiting for the worker's cancelled reply (which has no parley key). */
    static boolean awaiting(JsonNode response) {
        String status = response.path("status").asString("");
        return status.equals("queued") || status.equals("in_progress")
                || (status.equals("cancelled") && !response.has("parley"));
    }

    private static boolean startsWith(byte[] value, byte[] prefix) {
        if (value.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (value[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() {
        running = false;
        Consumer<String, byte[]> reading = consumer;
        closing.countDown(); // ends a pause after a failure; an interrupt would fail the consumer's own close
        if (reading != null) {
            reading.wakeup();
        }
        try {
            thread.join(Duration.ofSeconds(10).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
