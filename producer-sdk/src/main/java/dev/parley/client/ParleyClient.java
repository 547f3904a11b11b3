package dev.parley.client;

import dev.parley.client.internal.ChunkDelivery;
import dev.parley.client.internal.ChunkPublisher;
import dev.parley.client.internal.ModelDirectory;
import dev.parley.client.internal.PendingReplies;
import dev.parley.client.internal.PublishedStream;
import dev.parley.client.internal.ReplyListener;
import dev.parley.schemas.Cancel;
import dev.parley.schemas.ChatMessage;
import dev.parley.schemas.Chunk;
import dev.parley.schemas.Prompt;
import dev.parley.schemas.Reply;
import dev.parley.schemas.codec.WireJson;
import dev.parley.schemas.validation.PromptDecoder;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Sends prompts to Parley and hands back their replies.
 *
 * <pre>{@code
 * try (ParleyClient client = ParleyClient.builder().bootstrapServers("localhost:9092").build()) {
 *     Reply reply = client.send("user-42", "What is Kafka?").join();
 *     System.out.println(reply.content());
 * }
 * }</pre>
 *
 * <p>Each prompt is published keyed by its conversation id, so the turns of a conversation are answered in order.
 * Replies are matched to requests by request id; a reply that arrives twice (a worker redelivery) completes the
 * future once. The client reads its reply topic from the moment it is built and sees only replies sent after that.
 *
 * <p>Futures of plain requests complete on the client's reply thread: use the {@code *Async} variants of
 * {@link CompletableFuture} for blocking follow-up work. Streamed requests deliver their chunks, then complete, on the
 * client's delivery threads ({@link Builder#deliveryThreads(int)}), each request in order: a slow chunk callback or
 * subscriber delays its own stream only. The client is thread-safe; share one per application and {@link #close()}
 * it on shutdown.
 *
 * <p>Broker outages are waited out: the reply reader retries with a capped backoff ({@link #listenerRetries()} counts
 * the retries) and never stops before {@link #close()}. Once it has failed for longer than the
 * {@linkplain Builder#outageTimeout(Duration) outage timeout}, requests waiting for replies fail with a
 * {@link ParleyUnreachableException} saying since when and why, rather than waiting out their own timeouts; the
 * client keeps trying and answers again once the broker is back. A reply record it cannot read (a compressed record
 * declaring gigabytes, a corrupt one) is stepped past by its offset and counted; {@link #health()} tells all of it.
 *
 * <p>A request whose tenant ({@link SendOptions.Builder#tenant(String)}) is over its token quota fails with a
 * {@link ParleyRateLimitedException} saying when to send it again.
 *
 * <p>A pool may serve several models, each on its own prompts topic. A prompt that names one
 * ({@link SendOptions.Builder#model(String)}, or {@link Prompt#model()}) goes to the topic its workers announce on the
 * models topic ({@link Builder#modelsTopic(String)}); a model nobody announces is refused before anything is sent,
 * with an {@link UnknownModelException} listing the served ones ({@link #servedModels()}). A prompt that names no
 * model goes to {@link Builder#promptsTopic(String)}, as in a single-model pool.
 */
public final class ParleyClient implements AutoCloseable {

    /** Default topic prompts are published to. */
    public static final String DEFAULT_PROMPTS_TOPIC = "parley.prompts";
    /** Default topic cancel requests are published to. */
    public static final String DEFAULT_CONTROL_TOPIC = "parley.control";
    /** Default topic where workers announce the models they serve. */
    public static final String DEFAULT_MODELS_TOPIC = "parley.models";
    /** Default topic replies are read from. */
    public static final String DEFAULT_REPLIES_TOPIC = "parley.replies";
    /** Default time to wait for a reply. */
    public static final Duration DEFAULT_REPLY_TIMEOUT = Duration.ofSeconds(60);
    /** Default time to wait for the broker when starting. */
    public static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(30);
    /** Default number of threads delivering streamed chunks. */
    public static final int DEFAULT_DELIVERY_THREADS = 4;

    private final String promptsTopic;
    private final String repliesTopic;
    private final String controlTopic;
    private final Duration replyTimeout;
    private final KafkaProducer<String, byte[]> producer;
    private final ScheduledExecutorService timer;
    private final ChunkDelivery delivery;
    private final PendingReplies pending;
    private final ReplyListener listener;
    private final ModelDirectory models;
    private final PromptDecoder validator = new PromptDecoder();
    private volatile boolean closed;

    private ParleyClient(Builder builder) {
        this.promptsTopic = builder.promptsTopic;
        this.repliesTopic = builder.repliesTopic;
        this.controlTopic = builder.controlTopic;
        this.replyTimeout = builder.replyTimeout;
        String clientId = builder.clientId != null ? builder.clientId : "parley-client-" + UUID.randomUUID();
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, clientId + "-timeouts");
            t.setDaemon(true);
            return t;
        });
        this.delivery = ChunkDelivery.start(builder.deliveryThreads, clientId + "-delivery");
        this.pending = new PendingReplies(timer, delivery);
        this.models = modelDirectory(builder, clientId);

        Map<String, Object> producerConfig = new HashMap<>(builder.kafka);
        producerConfig.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, builder.bootstrapServers);
        producerConfig.put(ProducerConfig.CLIENT_ID_CONFIG, clientId + "-producer");
        producerConfig.putIfAbsent(ProducerConfig.ACKS_CONFIG, "all");
        producerConfig.putIfAbsent(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        producerConfig.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 2);
        this.producer = new KafkaProducer<>(producerConfig, new StringSerializer(), new ByteArraySerializer());

        Map<String, Object> consumerConfig = new HashMap<>(builder.kafka);
        consumerConfig.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, builder.bootstrapServers);
        consumerConfig.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId + "-replies");
        consumerConfig.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // The listener chooses where to go on when a position is lost, rather than let Kafka skip to the end silently.
        consumerConfig.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
        try {
            this.listener = ReplyListener.start(consumerConfig, repliesTopic, pending, clientId + "-replies",
                    builder.startTimeout, builder.outageTimeout != null ? builder.outageTimeout : replyTimeout);
        } catch (RuntimeException e) {
            producer.close(Duration.ZERO);
            delivery.close();
            timer.shutdownNow();
            throw e;
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Sends one user message and returns the future reply. */
    public CompletableFuture<Reply> send(String conversationId, String userMessage) {
        return send(conversationId, userMessage, SendOptions.NONE);
    }

    /** Sends one user message with options and returns the future reply. */
    public CompletableFuture<Reply> send(String conversationId, String userMessage, SendOptions options) {
        Prompt prompt = toPrompt(conversationId, userMessage, awaitable(options));
        return send(prompt, options.timeout() != null ? options.timeout() : replyTimeout);
    }

    /**
     * Sends a fully built prompt. Its {@code reply_to} is replaced by this client's reply topic, so the reply comes
     * back here.
     */
    public CompletableFuture<Reply> send(Prompt prompt) {
        return send(prompt, replyTimeout);
    }

    /**
     * Sends one user message asking for a streamed answer: {@code onChunk} receives the text as it is generated, the
     * future the final reply. Both happen on a delivery thread, in order (the future completes after the last chunk
     * was handed over); a slow {@code onChunk} delays this request only, yet holds one of the delivery threads.
     */
    public CompletableFuture<Reply> send(String conversationId, String userMessage, SendOptions options,
                                         Consumer<Chunk> onChunk) {
        Objects.requireNonNull(onChunk, "onChunk");
        Prompt prompt = streamed(toPrompt(conversationId, userMessage, awaitable(options)));
        return send(prompt, options.timeout() != null ? options.timeout() : replyTimeout, onChunk);
    }

    /** Sends one user message asking for a streamed answer, as a {@link ReplyStream}. */
    public ReplyStream stream(String conversationId, String userMessage, SendOptions options) {
        Prompt prompt = streamed(toPrompt(conversationId, userMessage, awaitable(options)));
        ChunkPublisher chunks = new ChunkPublisher(prompt.requestId(), delivery.pool());
        CompletableFuture<Reply> reply = send(prompt, options.timeout() != null ? options.timeout() : replyTimeout,
                chunks);
        reply.whenComplete((done, error) -> chunks.finish(error));
        return new PublishedStream(prompt.requestId(), chunks, reply,
                () -> cancel(prompt.conversationId(), prompt.requestId()));
    }

    /** Like {@link #send(Prompt)}, waiting {@code timeout} for the reply. */
    public CompletableFuture<Reply> send(Prompt prompt, Duration timeout) {
        return send(prompt, timeout, null);
    }

    /**
     * Sends a fully built prompt asking for a streamed answer (its {@code stream} flag is set): {@code onChunk}
     * receives the text as it is generated, on the client's reply thread (keep it quick: hand the chunk to another
     * thread for slow work such as network writes), the future the final reply. As with {@link #send(Prompt)}, the
     * prompt's {@code reply_to} is replaced by this client's reply topic. This is how a prompt with several messages
     * (a conversation seeded with its history) is streamed.
     */
    public CompletableFuture<Reply> sendStreamed(Prompt prompt, Duration timeout, Consumer<Chunk> onChunk) {
        Objects.requireNonNull(onChunk, "onChunk");
        return send(streamed(prompt), timeout, onChunk);
    }

    private CompletableFuture<Reply> send(Prompt prompt, Duration timeout, Consumer<Chunk> onChunk) {
        ensureOpen();
        Prompt routed = withReplyTopic(prompt);
        byte[] value = encodeValidated(routed);
        String topic = topicFor(routed);
        CompletableFuture<Reply> reply = pending.register(routed.requestId(), routed.conversationId(), timeout, onChunk);
        producer.send(new ProducerRecord<>(topic, routed.conversationId(), value), (metadata, error) -> {
            if (error != null) {
                pending.fail(routed.requestId(), new ParleyException("could not publish request " + routed.requestId()
                        + " to " + topic + ": " + error.getMessage(), error));
            }
        });
        return reply;
    }

    /**
     * Publishes a user message without waiting for its reply (which still goes to this client's reply topic).
     *
     * @return the request id, to correlate the reply yourself
     */
    public String publish(String conversationId, String userMessage) {
        return publish(conversationId, userMessage, SendOptions.NONE);
    }

    /**
     * Like {@link #publish(String, String)}, with options. {@link SendOptions#replyTo()} may send the reply to
     * another topic (a service that processes results elsewhere).
     */
    public String publish(String conversationId, String userMessage, SendOptions options) {
        ensureOpen();
        Prompt built = toPrompt(conversationId, userMessage, options);
        Prompt prompt = options.replyTo() != null ? built : withReplyTopic(built);
        byte[] value = encodeValidated(prompt);
        producer.send(new ProducerRecord<>(topicFor(prompt), prompt.conversationId(), value));
        return prompt.requestId();
    }

    /**
     * Asks the workers to stop a request. A queued request is answered with status {@code cancelled} without
     * generating; a generating one stops at its next token (its reply has status {@code cancelled} and the text so
     * far); an answered one is not affected. The conversation goes on with its next turn.
     *
     * @return completes when the broker has the cancel request
     */
    public CompletableFuture<Void> cancel(String conversationId, String requestId) {
        ensureOpen();
        Cancel cancel = Cancel.of(Objects.requireNonNull(requestId, "requestId"),
                Objects.requireNonNull(conversationId, "conversationId"), null);
        CompletableFuture<Void> sent = new CompletableFuture<>();
        producer.send(new ProducerRecord<>(controlTopic, conversationId, WireJson.toBytes(cancel)), (metadata, error) -> {
            if (error != null) {
                sent.completeExceptionally(new ParleyException("could not publish the cancel of " + requestId
                        + " to " + controlTopic + ": " + error.getMessage(), error));
            } else {
                sent.complete(null);
            }
        });
        return sent;
    }

    /** Replies dropped because their request had already been answered (redeliveries). */
    public long duplicateRepliesDropped() {
        return pending.duplicatesDropped();
    }

    /**
     * Replies on the reply topic for requests this client never sent: other clients sharing the topic. They are
     * read and ignored (see the README on reply routing).
     */
    public long foreignRepliesIgnored() {
        return pending.unmatched();
    }

    /**
     * Times the reply reader failed (the broker away, a metadata timeout) and tried again after a backoff, since the
     * client started. It grows during an outage and stops growing once the broker answers again.
     */
    public long listenerRetries() {
        return listener.retries();
    }

    /**
     * The reply listener's health, for a health check: whether it runs, whether and since when it fails to reach the
     * broker, and the reply records it stepped past or re-read. {@link ClientHealth#healthy()} is false once the
     * client is closed, once a fatal {@link Error} ended the listener (every request then fails: build a new
     * client), and while the broker has been unreachable for longer than the outage timeout.
     */
    public ClientHealth health() {
        return listener.health();
    }

    /** Requests still waiting for a reply. */
    public int pendingRequests() {
        return pending.size();
    }

    /** The topic this client publishes prompts to that name no model. */
    public String promptsTopic() {
        return promptsTopic;
    }

    /**
     * The models the pool serves now, as their workers announce them on the models topic (read when this copy is
     * older than a few seconds), sorted by name. Empty when no worker announces a model.
     *
     * @throws ParleyException when the models topic cannot be read and was never read before
     */
    public List<ServedModel> servedModels() {
        ensureOpen();
        return models.servedModels();
    }

    /**
     * The served model of that name, if a worker announces it now. A name not seen before makes the client read the
     * models topic again (at most twice a second), so a model whose first worker just started is found.
     *
     * @throws ParleyException when the models topic cannot be read and was never read before
     */
    public Optional<ServedModel> servedModel(String name) {
        ensureOpen();
        return models.find(Objects.requireNonNull(name, "name"));
    }

    /**
     * The topic a prompt goes to: the one its model's workers announce, or this client's prompts topic when it names
     * none.
     *
     * @throws UnknownModelException when no worker announces the prompt's model
     */
    public String topicFor(Prompt prompt) {
        return prompt.model() == null ? promptsTopic : models.topicFor(prompt.model());
    }

    /** The topic this client reads replies from. */
    public String repliesTopic() {
        return repliesTopic;
    }

    /** Flushes what was published, stops reading replies and fails requests still waiting. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            producer.close(Duration.ofSeconds(10));
        } finally {
            listener.close();
            models.close();
            pending.failAll("client closed");
            delivery.close();
            timer.shutdownNow();
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("ParleyClient is closed");
        }
        if (!listener.isAlive()) {
            throw new ParleyException("this client's reply listener died (see the log); close it and build a new one");
        }
    }

    /** For the awaiting methods: the reply must come to this client's topic. */
    private SendOptions awaitable(SendOptions options) {
        Objects.requireNonNull(options, "options");
        if (options.replyTo() != null && !options.replyTo().equals(repliesTopic)) {
            throw new IllegalArgumentException("send() awaits replies on this client's topic '" + repliesTopic
                    + "'; use publish() to direct replies to '" + options.replyTo() + "'");
        }
        return options;
    }

    private static Prompt toPrompt(String conversationId, String userMessage, SendOptions options) {
        Objects.requireNonNull(conversationId, "conversationId");
        Objects.requireNonNull(userMessage, "userMessage");
        String requestId = options.requestId() != null ? options.requestId() : UUID.randomUUID().toString();
        return Prompt.builder().requestId(requestId).conversationId(conversationId)
                .messages(List.of(ChatMessage.user(userMessage))).system(options.system()).replyTo(options.replyTo())
                .params(options.params()).deadline(options.deadline())
                .metadata(options.metadata().isEmpty() ? null : options.metadata()).tenant(options.tenant())
                .model(options.model()).priority(options.priority())
                .tools(options.tools().isEmpty() ? null : options.tools()).toolChoice(options.toolChoice())
                .parallelToolCalls(options.parallelToolCalls())
                .build();
    }

    private static Prompt streamed(Prompt prompt) {
        return prompt.newBuilder().stream(true).build();
    }

    private Prompt withReplyTopic(Prompt prompt) {
        return prompt.newBuilder().replyTo(repliesTopic).build();
    }

    /**
     * Refuses, before anything is sent, a prompt a worker would dead-letter; the message names the field. A prompt the
     * validator cannot even judge (a schema bound past a long makes Jackson throw, say) is refused the same way, with
     * the reason: a caller sees an {@link IllegalArgumentException}, never a raw library exception.
     */
    private byte[] encodeValidated(Prompt prompt) {
        byte[] value;
        PromptDecoder.Result result;
        try {
            value = WireJson.toBytes(prompt);
            result = validator.decode(prompt.conversationId(), value);
        } catch (RuntimeException | StackOverflowError e) {
            throw new IllegalArgumentException("invalid prompt: it could not be validated: " + e, e);
        }
        if (result instanceof PromptDecoder.Rejected rejected) {
            throw new IllegalArgumentException("invalid prompt: " + rejected.rejection().reason());
        }
        return value;
    }

    private static ModelDirectory modelDirectory(Builder builder, String clientId) {
        Map<String, Object> config = new HashMap<>(builder.kafka);
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, builder.bootstrapServers);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId + "-models");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false); // the workers create it compacted
        config.remove(ConsumerConfig.GROUP_ID_CONFIG);
        return new ModelDirectory(builder.modelsTopic,
                () -> new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer()),
                builder.startTimeout, Clock.systemUTC(), System::nanoTime);
    }

    /** Configures a {@link ParleyClient}. */
    public static final class Builder {
        private String bootstrapServers;
        private String promptsTopic = DEFAULT_PROMPTS_TOPIC;
        private String repliesTopic = DEFAULT_REPLIES_TOPIC;
        private String controlTopic = DEFAULT_CONTROL_TOPIC;
        private String modelsTopic = DEFAULT_MODELS_TOPIC;
        private Duration replyTimeout = DEFAULT_REPLY_TIMEOUT;
        private Duration startTimeout = DEFAULT_START_TIMEOUT;
        private Duration outageTimeout;
        private int deliveryThreads = DEFAULT_DELIVERY_THREADS;
        private String clientId;
        private final Map<String, Object> kafka = new HashMap<>();

        private Builder() {
        }

        /** The Kafka bootstrap servers, {@code host:port[,host:port...]}. Required. */
        public Builder bootstrapServers(String bootstrapServers) {
            if (bootstrapServers == null || bootstrapServers.isBlank()) {
                throw new IllegalArgumentException("bootstrapServers must not be blank, got '" + bootstrapServers + "'");
            }
            this.bootstrapServers = bootstrapServers;
            return this;
        }

        /** The topic prompts go to (default {@value #DEFAULT_PROMPTS_TOPIC}). */
        public Builder promptsTopic(String topic) {
            this.promptsTopic = requireTopic("promptsTopic", topic);
            return this;
        }

        /** The topic replies are read from (default {@value #DEFAULT_REPLIES_TOPIC}). */
        public Builder repliesTopic(String topic) {
            this.repliesTopic = requireTopic("repliesTopic", topic);
            return this;
        }

        /** The topic cancel requests go to (default {@value #DEFAULT_CONTROL_TOPIC}). */
        public Builder controlTopic(String topic) {
            this.controlTopic = requireTopic("controlTopic", topic);
            return this;
        }

        /**
         * The compacted topic where workers announce the models they serve (default {@value ParleyClient#DEFAULT_MODELS_TOPIC});
         * read only when a prompt names a model ({@link SendOptions.Builder#model(String)}).
         */
        public Builder modelsTopic(String topic) {
            this.modelsTopic = requireTopic("modelsTopic", topic);
            return this;
        }

        /** How long {@code send} waits for a reply before failing with {@link ParleyTimeoutException}. */
        public Builder replyTimeout(Duration timeout) {
            this.replyTimeout = requirePositive("replyTimeout", timeout);
            return this;
        }

        /** How long {@link #build()} waits for the broker. */
        public Builder startTimeout(Duration timeout) {
            this.startTimeout = requirePositive("startTimeout", timeout);
            return this;
        }

        /**
         * How long the reply reader may fail to reach the broker, without a success in between, before the requests
         * waiting for replies fail with {@link ParleyUnreachableException} (and those sent while the outage lasts
         * fail at its next attempt). The reader keeps retrying either way. Default: the reply timeout.
         */
        public Builder outageTimeout(Duration timeout) {
            this.outageTimeout = requirePositive("outageTimeout", timeout);
            return this;
        }

        /**
         * Threads that deliver streamed chunks to {@code onChunk} callbacks and {@link ReplyStream} subscribers
         * (default {@value ParleyClient#DEFAULT_DELIVERY_THREADS}). Each stream is delivered in order on one thread at a time; a
         * subscriber that blocks holds a thread, so as many blocked subscribers as threads stall the other streams
         * (never plain requests).
         */
        public Builder deliveryThreads(int threads) {
            if (threads < 1) {
                throw new IllegalArgumentException("deliveryThreads must be at least 1, got " + threads);
            }
            this.deliveryThreads = threads;
            return this;
        }

        /** A name for this client's Kafka clients and threads. */
        public Builder clientId(String clientId) {
            this.clientId = clientId;
            return this;
        }

        /** Any Kafka client property (security settings, for example), applied to producer and consumer. */
        public Builder kafkaProperty(String key, Object value) {
            this.kafka.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /** Connects, starts reading replies and returns the client. */
        public ParleyClient build() {
            if (bootstrapServers == null) {
                throw new IllegalStateException("bootstrapServers is required");
            }
            return new ParleyClient(this);
        }

        private static String requireTopic(String name, String topic) {
            if (topic == null || !topic.matches("[a-zA-Z0-9._-]{1,249}")) {
                throw new IllegalArgumentException(name + " must be a Kafka topic name, got '" + topic + "'");
            }
            return topic;
        }

        private static Duration requirePositive(String name, Duration value) {
            if (value == null || value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, got " + value);
            }
            return value;
        }
    }
}
