package dev.parley.client;

import static dev.parley.client.internal.ClientPrompts.awaitable;
import static dev.parley.client.internal.ClientPrompts.streamed;
import static dev.parley.client.internal.ClientPrompts.toPrompt;
import static dev.parley.client.internal.ClientPrompts.withReplyTopic;

import dev.parley.client.internal.Checks;
import dev.parley.client.internal.ClientParts;
import dev.parley.client.internal.PublishedStream;
import dev.parley.schemas.Chunk;
import dev.parley.schemas.Prompt;
import dev.parley.schemas.Reply;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

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
    private final ClientParts parts;
    private volatile boolean closed;

    private ParleyClient(Builder builder) {
        this.promptsTopic = builder.promptsTopic;
        this.repliesTopic = builder.repliesTopic;
        this.controlTopic = builder.controlTopic;
        this.replyTimeout = builder.replyTimeout;
        this.parts = ClientParts.start(new ClientParts.Spec(builder.bootstrapServers, builder.kafka,
                builder.clientId != null ? builder.clientId : "parley-client-" + UUID.randomUUID(), promptsTopic,
                repliesTopic, builder.modelsTopic, builder.deliveryThreads, builder.startTimeout,
                builder.outageTimeout != null ? builder.outageTimeout : replyTimeout));
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
        Prompt prompt = toPrompt(conversationId, userMessage, awaitable(options, repliesTopic));
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
        Prompt prompt = streamed(toPrompt(conversationId, userMessage, awaitable(options, repliesTopic)));
        return send(prompt, options.timeout() != null ? options.timeout() : replyTimeout, onChunk);
    }

    /** Sends one user message asking for a streamed answer, as a {@link ReplyStream}. */
    public ReplyStream stream(String conversationId, String userMessage, SendOptions options) {
        Prompt prompt = streamed(toPrompt(conversationId, userMessage, awaitable(options, repliesTopic)));
        Duration timeout = options.timeout() != null ? options.timeout() : replyTimeout;
        return PublishedStream.start(prompt.requestId(), parts.delivery().pool(), chunks -> send(prompt, timeout, chunks),
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
        return parts.sender().send(withReplyTopic(prompt, repliesTopic), timeout, onChunk);
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
        Prompt prompt = options.replyTo() != null ? built : withReplyTopic(built, repliesTopic);
        parts.sender().publish(prompt);
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
        return parts.sender().cancel(controlTopic, Objects.requireNonNull(conversationId, "conversationId"),
                Objects.requireNonNull(requestId, "requestId"));
    }

    /** Replies dropped because their request had already been answered (redeliveries). */
    public long duplicateRepliesDropped() {
        return parts.pending().duplicatesDropped();
    }

    /**
     * Replies on the reply topic for requests this client never sent: other clients sharing the topic. They are
     * read and ignored (see the README on reply routing).
     */
    public long foreignRepliesIgnored() {
        return parts.pending().unmatched();
    }

    /**
     * Times the reply reader failed (the broker away, a metadata timeout) and tried again after a backoff, since the
     * client started. It grows during an outage and stops growing once the broker answers again.
     */
    public long listenerRetries() {
        return parts.listener().retries();
    }

    /**
     * The reply listener's health, for a health check: whether it runs, whether and since when it fails to reach the
     * broker, and the reply records it stepped past or re-read. {@link ClientHealth#healthy()} is false once the
     * client is closed, once a fatal {@link Error} ended the listener (every request then fails: build a new
     * client), and while the broker has been unreachable for longer than the outage timeout.
     */
    public ClientHealth health() {
        return parts.listener().health();
    }

    /** Requests still waiting for a reply. */
    public int pendingRequests() {
        return parts.pending().size();
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
        return parts.models().servedModels();
    }

    /**
     * The served model of that name, if a worker announces it now. A name not seen before makes the client read the
     * models topic again (at most twice a second), so a model whose first worker just started is found.
     *
     * @throws ParleyException when the models topic cannot be read and was never read before
     */
    public Optional<ServedModel> servedModel(String name) {
        ensureOpen();
        return parts.models().find(Objects.requireNonNull(name, "name"));
    }

    /**
     * The topic a prompt goes to: the one its model's workers announce, or this client's prompts topic when it names
     * none.
     *
     * @throws UnknownModelException when no worker announces the prompt's model
     */
    public String topicFor(Prompt prompt) {
        return parts.topicFor(prompt);
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
        parts.close();
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("ParleyClient is closed");
        }
        if (!parts.listener().isAlive()) {
            throw new ParleyException("this client's reply listener died (see the log); close it and build a new one");
        }
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
            this.promptsTopic = Checks.topic("promptsTopic", topic);
            return this;
        }

        /** The topic replies are read from (default {@value #DEFAULT_REPLIES_TOPIC}). */
        public Builder repliesTopic(String topic) {
            this.repliesTopic = Checks.topic("repliesTopic", topic);
            return this;
        }

        /** The topic cancel requests go to (default {@value #DEFAULT_CONTROL_TOPIC}). */
        public Builder controlTopic(String topic) {
            this.controlTopic = Checks.topic("controlTopic", topic);
            return this;
        }

        /**
         * The compacted topic where workers announce the models they serve (default {@value ParleyClient#DEFAULT_MODELS_TOPIC});
         * read only when a prompt names a model ({@link SendOptions.Builder#model(String)}).
         */
        public Builder modelsTopic(String topic) {
            this.modelsTopic = Checks.topic("modelsTopic", topic);
            return this;
        }

        /** How long {@code send} waits for a reply before failing with {@link ParleyTimeoutException}. */
        public Builder replyTimeout(Duration timeout) {
            this.replyTimeout = Checks.positive("replyTimeout", timeout);
            return this;
        }

        /** How long {@link #build()} waits for the broker. */
        public Builder startTimeout(Duration timeout) {
            this.startTimeout = Checks.positive("startTimeout", timeout);
            return this;
        }

        /**
         * How long the reply reader may fail to reach the broker, without a success in between, before the requests
         * waiting for replies fail with {@link ParleyUnreachableException} (and those sent while the outage lasts
         * fail at its next attempt). The reader keeps retrying either way. Default: the reply timeout.
         */
        public Builder outageTimeout(Duration timeout) {
            this.outageTimeout = Checks.positive("outageTimeout", timeout);
            return this;
        }

        /**
         * Threads that deliver streamed chunks to {@code onChunk} callbacks and {@link ReplyStream} subscribers
         * (default {@value ParleyClient#DEFAULT_DELIVERY_THREADS}). Each stream is delivered in order on one thread at a time; a
         * subscriber that blocks holds a thread, so as many blocked subscribers as threads stall the other streams
         * (never plain requests).
         */
        public Builder deliveryThreads(int threads) {
            this.deliveryThreads = Checks.atLeast("deliveryThreads", threads, 1);
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
    }
}
