package dev.parley.worker;

import dev.parley.schemas.validation.PromptDecoder;
import dev.parley.worker.config.WorkerConfig;
import dev.parley.worker.control.Cancellations;
import dev.parley.worker.control.ControlListener;
import dev.parley.worker.dispatch.Dispatcher;
import dev.parley.worker.dispatch.LanePolicy;
import dev.parley.worker.dispatch.LaneReserve;
import dev.parley.worker.dispatch.PendingTurn;
import dev.parley.worker.engine.InferenceEngine;
import dev.parley.worker.health.Health;
import dev.parley.worker.health.HealthMonitor;
import dev.parley.worker.history.HistoryLimits;
import dev.parley.worker.history.HistoryStore;
import dev.parley.worker.history.RedisConnector;
import dev.parley.worker.history.RedisHistoryStore;
import dev.parley.worker.intake.CompletionChannel;
import dev.parley.worker.intake.DeadLetterPublisher;
import dev.parley.worker.intake.IntakeSettings;
import dev.parley.worker.intake.PromptForwarder;
import dev.parley.worker.intake.PromptIntake;
import dev.parley.worker.intake.TopicProvisioner;
import dev.parley.worker.load.ConsumerLag;
import dev.parley.worker.load.LoadSampler;
import dev.parley.worker.load.MeterTotals;
import dev.parley.worker.metrics.ParleyMeter;
import dev.parley.worker.metrics.WorkerMetrics;
import dev.parley.worker.models.ModelAnnouncer;
import dev.parley.worker.models.ModelGate;
import dev.parley.worker.models.ModelServing;
import dev.parley.worker.models.ModelsTopic;
import dev.parley.worker.models.ServedModel;
import dev.parley.worker.ops.CachedCheck;
import dev.parley.worker.ops.Readiness;
import dev.parley.worker.quota.QuotaGate;
import dev.parley.worker.quota.QuotaMetrics;
import dev.parley.worker.quota.RedisTokenBuckets;
import dev.parley.worker.reply.ChunkSender;
import dev.parley.worker.reply.ChunkStream;
import dev.parley.worker.reply.ReplyPublisher;
import dev.parley.worker.reply.ReplyTopics;
import dev.parley.schemas.retry.Backoff;
import dev.parley.worker.tools.ToolGate;
import dev.parley.worker.turn.TurnProcessor;
import dev.parley.worker.turn.TurnSettings;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.RedisClient;

/**
 * A running Parley worker: consumes prompts in a consumer group, answers them with the one shared engine, keeps
 * history in Redis and publishes replies. {@link #close()} stops intake, lets running turns finish within the
 * shutdown grace (naming those it gives up on), commits and releases everything but the engine (whose owner closes
 * it). A worker that fails to start closes what it had built before rethrowing.
 *
 * <p>The parts are built in the order they need each other: the completion channel first (turns report to it, the
 * intake reads it), then the turns' processor, the dispatcher and the intake; {@link BuiltParts} closes them in the
 * reverse order. The Kafka clients' settings are in {@link KafkaClientConfigs}, the health check's parts in
 * {@link HealthWiring}.
 */
public final class Worker implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Worker.class);
    private static final Duration POLL_TIMEOUT = Duration.ofMillis(100);
    private static final Duration PUBLISH_TIMEOUT = Duration.ofSeconds(30);
    /** How long start waits for the first model announcement (later ones are retried in the background). */
    private static final Duration ANNOUNCE_WAIT = Duration.ofSeconds(10);
    /** How long turn threads get after the intake stopped, once to finish and once more after an interrupt. */
    private static final Duration TURNS_WAIT = Duration.ofSeconds(5);
    private static final Duration PRODUCER_CLOSE_WAIT = Duration.ofSeconds(10);

    private final WorkerConfig config;
    private final ServedModel served;
    /** Everything built that closes with the worker, last built first. */
    private final BuiltParts parts = new BuiltParts();
    private final HistoryStore history;
    private final ExecutorService turnThreads;
    private final Dispatcher dispatcher;
    private final KafkaConsumer<String, byte[]> consumer;
    private final PromptIntake intake;
    private final Thread intakeThread;
    private final HealthMonitor health;
    /** Redis reachability as /ready reports it: asked every second off the HTTP threads. */
    private final CachedCheck redisReachable;
    private volatile boolean closed;

    /** Builds and starts every part; when one fails, closes those built before it and rethrows. */
    private Worker(WorkerConfig config, ServedModel served, InferenceEngine engine, MeterRegistry registry) {
        this.config = config;
        this.served = served;
        try {
            provisionTopics();
            WorkerMetrics metrics = new WorkerMetrics(registry);
            this.history = parts.add("history store", connectHistory());
            KafkaProducer<String, byte[]> producer = producer(KafkaClientConfigs.producer(config), "reply producer");
            // Dead letters and forwarded prompts: a producer of their own, whose sends wait at most relay-max-block.
            KafkaProducer<String, byte[]> relay = producer(KafkaClientConfigs.relayProducer(config), "relay producer");
            int maxInFlight = config.maxInFlight() > 0 ? config.maxInFlight() : engine.turnsInFlight();
            LanePolicy lanes = LaneReserve.forEngine(config.lanes(), engine);
            // Made first: the turns report to it, the intake reads it, and neither needs the other.
            CompletionChannel completions = new CompletionChannel();
            DeadLetterPublisher deadLetters = new DeadLetterPublisher(relay, config.deadLetterTopic(),
                    config.workerId(), Clock.systemUTC(), config.deadLetterMaxPayloadBytes());
            Cancellations cancellations = new Cancellations();
            ReplyPublisher replies = new ReplyPublisher(producer, config.repliesTopic(), maxRequestSize(config));
            ChunkSender chunks = parts.add("chunk sender", new ChunkSender(replies, config.workerId(),
                    ChunkStream.Batching.DEFAULT, Math.max(16, maxInFlight * 2), "parley-chunks"));
            TurnProcessor processor = turnProcessor(engine, replies, deadLetters, cancellations, chunks, metrics,
                    registry, completions);
            this.turnThreads = parts.add("turn threads", Executors.newFixedThreadPool(
                    maxInFlight + lanes.interactiveReserve(), named("parley-turn-")), ExecutorService::shutdownNow);
            this.dispatcher = new Dispatcher(maxInFlight, lanes, System::nanoTime, turnThreads, processor);
            this.consumer = parts.add("prompts consumer", new KafkaConsumer<>(KafkaClientConfigs.consumer(config),
                    new StringDeserializer(), new ByteArrayDeserializer()));
            this.intake = intake(completions, deadLetters, relay, metrics, engine);
            bindMetrics(metrics, registry, engine, producer, relay);
            ControlListener control = parts.add("control listener", controlListener(cancellations, metrics));
            ModelAnnouncer announcer = parts.add("model announcer", announcer(producer, engine, metrics, registry));
            this.redisReachable = parts.add("Redis check", CachedCheck.start(history::isReachable,
                    Duration.ofSeconds(1), "parley-redis-check"));
            this.health = parts.add("health monitor", HealthWiring.monitor(config, () -> closed, intake, dispatcher,
                    processor::lastRetryNanos, engine, chunks, control));
            HealthWiring.bindGauges(health, metrics);
            this.intakeThread = startIntake();
            health.start();
            announcer.start(ANNOUNCE_WAIT);
            log.info("Worker {} consuming {} as group {} with {} turn(s) in flight, serving model {} ({})",
                    config.workerId(), config.promptsTopic(), config.groupId(), maxInFlight, served.name(),
                    engine.info().model());
        } catch (RuntimeException | Error e) {
            parts.closeAfter(e);
            throw e;
        }
    }

    /** Starts a worker on a loaded engine, serving it under the engine's model name on the configured topic. */
    public static Worker start(WorkerConfig config, InferenceEngine engine, MeterRegistry registry) {
        return start(config, ModelServing.DEFAULT, engine, registry);
    }

    /** Starts a worker on a loaded engine, serving it as {@code serving} says (name, own topic, announcements). */
    public static Worker start(WorkerConfig config, ModelServing serving, InferenceEngine engine,
                               MeterRegistry registry) {
        ServedModel served = serving.resolve(config, engine.info());
        return new Worker(served.applyTo(config), served, engine, registry);
    }

    /** The configuration in effect: with a model on its own topic, that topic and group. */
    public WorkerConfig config() {
        return config;
    }

    /** The model this worker serves and where it is announced. */
    public ServedModel servedModel() {
        return served;
    }

    /** Partitions owned now. */
    public Set<TopicPartition> assignment() {
        return intake.assignment();
    }

    /** Records read and not yet done. */
    public int buffered() {
        return intake.buffered();
    }

    /** Whether the history store answers. */
    public boolean historyReachable() {
        return history.isReachable();
    }

    /** Model loaded (it is, once the worker exists), group joined, Redis reachable, every part healthy. */
    public Readiness readiness() {
        return new Readiness(true, intake.hasJoinedGroup() && isRunning(), redisReachable.last(), brokerConnected(),
                health.check().healthy());
    }

    /** Each part's health now: alive, and making progress while it has work. */
    public Health health() {
        return health.check();
    }

    /**
     * Runs {@code listener} once the worker has been unhealthy for {@code unhealthy-exit-after}; a worker process
     * exits then, so its supervisor restarts it.
     */
    public void onFatal(Consumer<Health> listener) {
        health.onFatal(listener);
    }

    /** Whether the consumer holds a connection to a broker (its own metric; readable from any thread). */
    private boolean brokerConnected() {
        for (var metric : consumer.metrics().entrySet()) {
            if (metric.getKey().name().equals("connection-count") && metric.getKey().group().equals("consumer-metrics")) {
                Object value = metric.getValue().metricValue();
                return value instanceof Number n && n.doubleValue() > 0;
            }
        }
        return true;
    }

    /** Whether intake is running (false once stopped or if its loop failed). */
    public boolean isRunning() {
        return !closed && intakeThread.isAlive();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        log.info("Worker {} stopping", config.workerId());
        parts.close();
        log.info("Worker {} stopped", config.workerId());
    }

    private void provisionTopics() {
        if (!config.createTopics()) {
            return;
        }
        try (Admin admin = Admin.create(KafkaClientConfigs.common(config))) {
            TopicProvisioner.ensure(admin, List.of(config.promptsTopic(), config.repliesTopic(),
                    config.deadLetterTopic(), config.controlTopic()), config.partitions(), config.replicationFactor());
            ModelsTopic.ensure(admin, served.modelsTopic(), config.replicationFactor());
        }
    }

    private RedisHistoryStore connectHistory() {
        return RedisHistoryStore.connect(config.redisUri(), config.redisOptions(), config.historyTtl(),
                new HistoryLimits(config.historyMaxTurns(), config.historyMaxBytes(), config.idempotencyWindow()));
    }

    private KafkaProducer<String, byte[]> producer(Map<String, Object> producerConfig, String name) {
        return parts.add(name, new KafkaProducer<>(producerConfig, new StringSerializer(), new ByteArraySerializer()),
                producer -> producer.close(PRODUCER_CLOSE_WAIT));
    }

    /** The turns' processor; it reports each finished turn's record to {@code completions}. */
    private TurnProcessor turnProcessor(InferenceEngine engine, ReplyPublisher replies, DeadLetterPublisher deadLetters,
                                        Cancellations cancellations, ChunkSender chunks, WorkerMetrics metrics,
                                        MeterRegistry registry, CompletionChannel completions) {
        Admin admin = parts.add("admin client", Admin.create(KafkaClientConfigs.common(config)),
                client -> client.close(Duration.ofSeconds(5)));
        RedisClient quotaRedis = config.quotas().active() ? parts.add("quota Redis client",
                RedisConnector.connect(config.redisUri(), config.redisOptions())) : null;
        return TurnProcessor.builder(history, engine, replies, metrics,
                        new TurnSettings(config.workerId(), config.defaultMaxTokens(), config.turnAttempts(),
                                Backoff.DEFAULT, PUBLISH_TIMEOUT))
                .deadLetters(deadLetters)
                .cancellations(cancellations)
                .onDone(completions::report)
                .checkingReplyTopics(new ReplyTopics(admin, config.repliesTopic(), config.replyToPrefixes()))
                .streamingThrough(chunks)
                .reportingModel(served.name())
                .limitingTenants(quotaRedis == null ? QuotaGate.UNLIMITED : new QuotaGate(
                        new RedisTokenBuckets(quotaRedis), config.quotas(), new QuotaMetrics(registry, config.quotas())))
                .build();
    }

    private PromptIntake intake(CompletionChannel completions, DeadLetterPublisher deadLetters,
                                KafkaProducer<String, byte[]> relay, WorkerMetrics metrics, InferenceEngine engine) {
        IntakeSettings settings = new IntakeSettings(config.promptsTopic(), config.maxBufferedRecords(), POLL_TIMEOUT,
                config.commitInterval(), config.revokeGrace(), config.shutdownGrace(), config.maxForwardHops(),
                KafkaClientConfigs.maxPollRecords(config));
        PromptDecoder decoder = new PromptDecoder(config.maxPromptBytes()).checking(new ModelGate(served))
                .checking(new ToolGate(engine));
        return new PromptIntake(consumer, decoder, deadLetters, dispatcher, metrics, settings, completions,
                new PromptForwarder(relay),
                () -> new KafkaConsumer<>(KafkaClientConfigs.probe(config), new StringDeserializer(),
                        new ByteArrayDeserializer()));
    }

    /** Announces the served model, with the load figures admission reads every load interval. */
    private ModelAnnouncer announcer(KafkaProducer<String, byte[]> producer, InferenceEngine engine,
                                     WorkerMetrics metrics, MeterRegistry registry) {
        return new ModelAnnouncer(producer, served, config.workerId(), engine.info().slots(), metrics,
                Clock.systemUTC()).reportingLoad(new LoadSampler(dispatcher, engine::busySlots,
                        () -> ConsumerLag.unread(consumer),
                        MeterTotals.of(registry, ParleyMeter.COMPLETION_TOKENS.meterName()),
                        MeterTotals.of(registry, ParleyMeter.TURNS.meterName()), System::nanoTime),
                served.loadInterval()).announcingTools(engine.callsTools());
    }

    /** Reads cancel requests from the control topic into the history and the running turns' cancellations. */
    private ControlListener controlListener(Cancellations cancellations, WorkerMetrics metrics) {
        return new ControlListener(KafkaClientConfigs.control(config), config.controlTopic(), history, cancellations,
                config.cancelQueue(), metrics, "parley-control");
    }

    private void bindMetrics(WorkerMetrics metrics, MeterRegistry registry, InferenceEngine engine,
                             KafkaProducer<String, byte[]> producer, KafkaProducer<String, byte[]> relay) {
        metrics.gauge(ParleyMeter.RECORDS_BUFFERED, intake::buffered);
        metrics.bindEngine(engine);
        // Kafka's own client metrics (consumer lag among them); reading them from another thread is safe.
        for (KafkaClientMetrics binder : List.of(new KafkaClientMetrics(consumer), new KafkaClientMetrics(producer),
                new KafkaClientMetrics(relay))) {
            parts.add("Kafka client metrics", binder).bindTo(registry);
        }
        metrics.gauge(ParleyMeter.TURNS_IN_FLIGHT, dispatcher::inFlight);
        metrics.bindLanes(dispatcher);
        metrics.gauge(ParleyMeter.PARTITIONS_PAUSED, () -> intake.isPaused() ? intake.assignment().size() : 0);
    }

    /** Starts the poll loop, which closes the consumer from now on; the worker stops it and the turns first. */
    private Thread startIntake() {
        Thread thread = new Thread(intake, "parley-intake");
        thread.start();
        parts.handOver(consumer);
        parts.add("intake and turns", this, Worker::stopIntakeAndTurns);
        return thread;
    }

    /** Stops intake (it lets running turns finish within the shutdown grace and commits), then the turn threads. */
    private void stopIntakeAndTurns() throws InterruptedException {
        intake.stop();
        Duration wait = config.shutdownGrace().plusSeconds(15);
        if (!intake.awaitStopped(wait)) {
            log.warn("Intake did not stop within {}", wait);
        }
        turnThreads.shutdown();
        if (turnThreads.awaitTermination(TURNS_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
            return;
        }
        // Interrupts turns waiting on retries; a turn inside native generation finishes its tokens first.
        turnThreads.shutdownNow();
        if (!turnThreads.awaitTermination(TURNS_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
            List<PendingTurn> left = dispatcher.running();
            log.warn("Gave up waiting for {} turn(s) still running: {}; their records stay uncommitted and the next "
                    + "owner of their partitions answers them", left.size(), Dispatcher.describe(left));
        }
    }

    /** The producer's max.request.size: replies are kept below it. */
    private static int maxRequestSize(WorkerConfig config) {
        String configured = config.kafka().get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG);
        return configured == null ? ReplyPublisher.DEFAULT_MAX_RECORD_BYTES : Integer.parseInt(configured.trim());
    }

    private static ThreadFactory named(String prefix) {
        AtomicInteger counter = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + counter.incrementAndGet());
            thread.setDaemon(false);
            return thread;
        };
    }
}
