package dev.parley.worker;

import dev.parley.schemas.validation.PromptDecoder;
import dev.parley.worker.config.WorkerConfig;
import dev.parley.worker.control.Cancellations;
import dev.parley.worker.control.ControlListener;
import dev.parley.worker.dispatch.Dispatcher;
import dev.parley.worker.dispatch.LanePolicy;
import dev.parley.worker.dispatch.LaneReserve;
import dev.parley.worker.engine.InferenceEngine;
import dev.parley.worker.history.HistoryLimits;
import dev.parley.worker.history.HistoryStore;
import dev.parley.worker.history.RedisConnector;
import dev.parley.worker.history.RedisHistoryStore;
import dev.parley.worker.health.Health;
import dev.parley.worker.health.HealthMonitor;
import dev.parley.worker.health.WatchedPart;
import dev.parley.worker.intake.DeadLetterPublisher;
import dev.parley.worker.intake.IntakeSettings;
import dev.parley.worker.intake.PromptForwarder;
import dev.parley.worker.intake.PromptIntake;
import dev.parley.worker.intake.TopicProvisioner;
import dev.parley.worker.metrics.ParleyMeter;
import dev.parley.worker.metrics.WorkerMetrics;
import dev.parley.worker.models.ModelAnnouncer;
import dev.parley.worker.models.ModelGate;
import dev.parley.worker.models.ModelServing;
import dev.parley.worker.models.ModelsTopic;
import dev.parley.worker.models.ServedModel;
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
import dev.parley.worker.ops.Readiness;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
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
 * shutdown grace, commits and releases everything but the engine (whose owner closes it).
 */
public final class Worker implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Worker.class);
    private static final Duration POLL_TIMEOUT = Duration.ofMillis(100);
    private static final Duration PUBLISH_TIMEOUT = Duration.ofSeconds(30);
    /** How long start waits for the first model announcement (later ones are retried in the background). */
    private static final Duration ANNOUNCE_WAIT = Duration.ofSeconds(10);

    private final WorkerConfig config;
    private final HistoryStore history;
    private final KafkaProducer<String, byte[]> producer;
    /** Dead letters and forwarded prompts: a producer of their own, whose sends wait at most relay-max-block. */
    private final KafkaProducer<String, byte[]> relayProducer;
    private final ExecutorService turnThreads;
    private final Dispatcher dispatcher;
    private final PromptIntake intake;
    private final Thread intakeThread;
    private final List<KafkaClientMetrics> kafkaMetrics;
    private final ControlListener control;
    private final Admin admin;
    private final KafkaConsumer<String, byte[]> consumer;
    private final ChunkSender chunks;
    private final HealthMonitor health;
    private final ServedModel served;
    private final ModelAnnouncer announcer;
    /** Redis client of the tenants' token buckets, or {@code null} without quotas. */
    private final RedisClient quotaRedis;
    /** Redis reachability as /ready reports it: asked every second off the HTTP threads. */
    private final dev.parley.worker.ops.CachedCheck redisReachable;
    private volatile boolean closed;

    private Worker(WorkerConfig config, ServedModel served, InferenceEngine engine, MeterRegistry registry) {
        this.config = config;
        this.served = served;
        if (config.createTopics()) {
            try (Admin admin = Admin.create(KafkaClientConfigs.common(config))) {
                TopicProvisioner.ensure(admin, List.of(config.promptsTopic(), config.repliesTopic(),
                        config.deadLetterTopic(), config.controlTopic()), config.partitions(), config.replicationFactor());
                ModelsTopic.ensure(admin, served.modelsTopic(), config.replicationFactor());
            }
        }
        this.history = RedisHistoryStore.connect(config.redisUri(), config.redisOptions(), config.historyTtl(),
                new HistoryLimits(config.historyMaxTurns(), config.historyMaxBytes(), config.idempotencyWindow()));
        this.producer = new KafkaProducer<>(KafkaClientConfigs.producer(config), new StringSerializer(), new ByteArraySerializer());
        this.relayProducer = new KafkaProducer<>(KafkaClientConfigs.relayProducer(config), new StringSerializer(),
                new ByteArraySerializer());
        WorkerMetrics metrics = new WorkerMetrics(registry);
        int maxInFlight = config.maxInFlight() > 0 ? config.maxInFlight() : engine.turnsInFlight();
        LanePolicy lanes = LaneReserve.forEngine(config.lanes(), engine);
        this.turnThreads = Executors.newFixedThreadPool(maxInFlight + lanes.interactiveReserve(), named("parley-turn-"));

        // The processor reports done turns to the intake, which is built after the dispatcher that needs the
        // processor: the holder breaks the cycle.
        PromptIntake[] intakeHolder = new PromptIntake[1];
        DeadLetterPublisher deadLetters = new DeadLetterPublisher(relayProducer, config.deadLetterTopic(), config.workerId(),
                Clock.systemUTC(), config.deadLetterMaxPayloadBytes());
        Cancellations cancellations = new Cancellations();
        ReplyPublisher replyPublisher = new ReplyPublisher(producer, config.repliesTopic(), maxRequestSize(config));
        this.chunks = new ChunkSender(replyPublisher, config.workerId(), ChunkStream.Batching.DEFAULT,
                Math.max(16, maxInFlight * 2), "parley-chunks");
        this.admin = Admin.create(KafkaClientConfigs.common(config));
        this.quotaRedis = config.quotas().active() ? RedisConnector.connect(config.redisUri(), config.redisOptions()) : null;
        TurnProcessor processor = TurnProcessor.builder(history, engine, replyPublisher, metrics,
                        new TurnSettings(config.workerId(), config.defaultMaxTokens(), config.turnAttempts(),
                                Backoff.DEFAULT, PUBLISH_TIMEOUT))
                .deadLetters(deadLetters)
                .cancellations(cancellations)
                .onDone(turn -> intakeHolder[0].markDone(turn.partition(), turn.offset()))
                .checkingReplyTopics(new ReplyTopics(admin, config.repliesTopic(), config.replyToPrefixes()))
                .streamingThrough(chunks)
                .reportingModel(served.name())
                .limitingTenants(quotaRedis == null ? QuotaGate.UNLIMITED : new QuotaGate(
                        new RedisTokenBuckets(quotaRedis), config.quotas(), new QuotaMetrics(registry, config.quotas())))
                .build();
        this.dispatcher = new Dispatcher(maxInFlight, lanes, System::nanoTime, turnThreads, processor);
        Map<String, Object> consumerConfig = KafkaClientConfigs.consumer(config);
        this.consumer = new KafkaConsumer<>(consumerConfig, new StringDeserializer(), new ByteArrayDeserializer());
        this.intake = new PromptIntake(consumer, new PromptDecoder(config.maxPromptBytes()).checking(new ModelGate(served))
                        .checking(new ToolGate(engine)),
                deadLetters, dispatcher, metrics,
                new IntakeSettings(config.promptsTopic(), config.maxBufferedRecords(), POLL_TIMEOUT,
                        config.commitInterval(), config.revokeGrace(), config.shutdownGrace(), config.maxForwardHops(),
                        Integer.parseInt(String.valueOf(consumerConfig.get(ConsumerConfig.MAX_POLL_RECORDS_CONFIG)).trim())),
                new PromptForwarder(relayProducer),
                () -> new KafkaConsumer<>(KafkaClientConfigs.probe(config), new StringDeserializer(), new ByteArrayDeserializer()));
        intakeHolder[0] = intake;

        metrics.gauge(ParleyMeter.RECORDS_BUFFERED, intake::buffered);
        metrics.bindEngine(engine);
        // Kafka's own client metrics (consumer lag among them); reading them from another thread is safe.
        this.kafkaMetrics = List.of(new KafkaClientMetrics(consumer), new KafkaClientMetrics(producer),
                new KafkaClientMetrics(relayProducer));
        kafkaMetrics.forEach(binder -> binder.bindTo(registry));
        metrics.gauge(ParleyMeter.TURNS_IN_FLIGHT, dispatcher::inFlight);
        metrics.bindLanes(dispatcher);
        metrics.gauge(ParleyMeter.PARTITIONS_PAUSED, () -> intake.isPaused() ? intake.assignment().size() : 0);

        Map<String, Object> controlConfig = KafkaClientConfigs.common(config);
        controlConfig.put(ConsumerConfig.CLIENT_ID_CONFIG, config.workerId() + "-control");
        controlConfig.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        this.control = new ControlListener(controlConfig, config.controlTopic(), history, cancellations,
                config.cancelQueue(), metrics, "parley-control");

        this.redisReachable = dev.parley.worker.ops.CachedCheck.start(history::isReachable, Duration.ofSeconds(1),
                "parley-redis-check");
        this.health = new HealthMonitor(config.stallTimeout(), config.unhealthyExitAfter(), System::nanoTime)
                .watch(new WatchedPart("intake", () -> closed || intake.isAlive(), () -> !closed,
                        intake::lastPollNanos))
                // A record that never completes holds its partition's commit without stopping the poll loop; turn
                // retries riding out an outage count as progress, as they do for "turns".
                .watch(new WatchedPart("commits", () -> closed || intake.isAlive(),
                        () -> !closed && intake.commitWatch().waiting(),
                        () -> Math.max(intake.commitWatch().oldestSinceNanos(), processor.lastRetryNanos()),
                        intake.commitWatch()::oldest))
                .watch(new WatchedPart("engine", engine::isAlive, engine::hasWork, engine::lastProgressNanos))
                .watch(new WatchedPart("turns", () -> true, () -> dispatcher.inFlight() > 0,
                        () -> Math.max(Math.max(dispatcher.lastFinishedNanos(), processor.lastRetryNanos()),
                                engine.hasWork() ? engine.lastProgressNanos() : 0)))
                .watch(new WatchedPart("chunks", chunks::isAlive, () -> chunks.waiting() > 0, chunks::lastProgressNanos))
                .watch(new WatchedPart("control", () -> closed || control.isAlive(), () -> !closed,
                        control::lastProgressNanos));
        metrics.gauge(ParleyMeter.WORKER_HEALTHY, () -> health.check().healthy() ? 1 : 0);
        for (String part : List.of("intake", "commits", "engine", "turns", "chunks", "control")) {
            metrics.gauge(ParleyMeter.PART_HEALTHY, "part", part, () -> health.check().parts().stream()
                    .anyMatch(p -> p.name().equals(part) && !p.healthy()) ? 0 : 1);
        }

        this.intakeThread = new Thread(intake, "parley-intake");
        this.intakeThread.start();
        health.start();
        this.announcer = new ModelAnnouncer(producer, served, config.workerId(), engine.info().slots(), metrics,
                Clock.systemUTC());
        announcer.start(ANNOUNCE_WAIT);
        log.info("Worker {} consuming {} as group {} with {} turn(s) in flight, serving model {} ({})",
                config.workerId(), config.promptsTopic(), config.groupId(), maxInFlight, served.name(),
                engine.info().model());
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
        intake.stop();
        try {
            Duration wait = config.shutdownGrace().plusSeconds(15);
            if (!intake.awaitStopped(wait)) {
                log.warn("Intake did not stop within {}", wait);
            }
            turnThreads.shutdown();
            if (!turnThreads.awaitTermination(5, TimeUnit.SECONDS)) {
                // Interrupts turns waiting on retries; a turn inside native generation finishes its tokens first.
                turnThreads.shutdownNow();
                turnThreads.awaitTermination(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            turnThreads.shutdownNow();
        } finally {
            health.close();
            redisReachable.close();
            announcer.close();
            chunks.close();
            control.close();
            admin.close(Duration.ofSeconds(5));
            kafkaMetrics.forEach(KafkaClientMetrics::close);
            producer.close(Duration.ofSeconds(10));
            relayProducer.close(Duration.ofSeconds(10));
            history.close();
            if (quotaRedis != null) {
                quotaRedis.close();
            }
        }
        log.info("Worker {} stopped", config.workerId());
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
