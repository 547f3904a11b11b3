package dev.parley.worker.metrics;

import dev.parley.schemas.Priority;
import dev.parley.schemas.ReplyStatus;
import dev.parley.worker.dispatch.Dispatcher;
import dev.parley.worker.engine.Generation;
import dev.parley.worker.engine.InferenceEngine;
import dev.parley.worker.engine.KvCacheListener;
import dev.parley.worker.engine.KvTier;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/** The worker's meters (see {@link ParleyMeter} for the list), on an injected registry. */
public final class WorkerMetrics {

    private final MeterRegistry registry;
    private final Counter received;
    private final Counter skipped;
    private final Counter replayed;
    private final Counter rehydrations;
    private final Counter promptTokens;
    private final Counter cachedTokens;
    private final Counter completionTokens;
    private final Counter restoredTokens;
    private final Counter prefixTokens;
    private final Counter diskTokens;
    private final Counter forwarded;
    private final Counter redelivered;
    private final Counter announcements;
    private final Map<KvTier, Counter> tiers = new EnumMap<>(KvTier.class);
    private final Timer turnDuration;
    private final Timer queueWait;
    private final Timer firstToken;
    private final Timer replyPublish;

    public WorkerMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.received = counter(ParleyMeter.PROMPTS_RECEIVED);
        this.skipped = counter(ParleyMeter.RECORDS_SKIPPED);
        this.replayed = counter(ParleyMeter.TURNS_REPLAYED);
        this.rehydrations = counter(ParleyMeter.REHYDRATIONS);
        this.promptTokens = counter(ParleyMeter.PROMPT_TOKENS);
        this.cachedTokens = counter(ParleyMeter.CACHED_TOKENS);
        this.completionTokens = counter(ParleyMeter.COMPLETION_TOKENS);
        this.restoredTokens = counter(ParleyMeter.RESTORED_TOKENS);
        this.prefixTokens = counter(ParleyMeter.PREFIX_TOKENS);
        this.diskTokens = counter(ParleyMeter.DISK_TOKENS);
        this.forwarded = counter(ParleyMeter.PROMPTS_FORWARDED);
        this.redelivered = counter(ParleyMeter.RECORDS_REDELIVERED);
        this.announcements = counter(ParleyMeter.MODEL_ANNOUNCEMENTS);
        for (KvTier tier : KvTier.values()) {
            tiers.put(tier, Counter.builder(ParleyMeter.KV_TIER.meterName())
                    .description(ParleyMeter.KV_TIER.description())
                    .tag("tier", tier.tagValue())
                    .register(registry));
        }
        this.turnDuration = timer(ParleyMeter.TURN_DURATION);
        this.queueWait = timer(ParleyMeter.QUEUE_WAIT);
        this.firstToken = timer(ParleyMeter.FIRST_TOKEN);
        this.replyPublish = timer(ParleyMeter.REPLY_PUBLISH_LATENCY);
        for (ReplyStatus status : ReplyStatus.values()) {
            turnsCounter(status); // registered up front so dashboards see zeros
        }
    }

    public MeterRegistry registry() {
        return registry;
    }

    public void promptReceived() {
        received.increment();
    }

    public void promptRejected(String reason) {
        Counter.builder(ParleyMeter.PROMPTS_REJECTED.meterName())
                .description(ParleyMeter.PROMPTS_REJECTED.description())
                .baseUnit(ParleyMeter.PROMPTS_REJECTED.baseUnit())
                .tag("reason", reason)
                .register(registry).increment();
    }

    /**
     * A loop outside turns retries after a failure ({@code loop}: dead_letter, commit, poll, rebalance, forward,
     * control, cancel_store, model_announce).
     */
    public void retried(String loop) {
        tagged(ParleyMeter.RETRIES, "loop", loop).increment();
    }

    /** The served model was announced on the models topic. */
    public void modelAnnounced() {
        announcements.increment();
    }

    /** A cancellation not written to Redis ({@code reason}: queue_full or failed). */
    public void cancelUnstored(String reason) {
        tagged(ParleyMeter.CANCELS_UNSTORED, "reason", reason).increment();
    }

    /** A dead letter the broker refused for good. */
    public void deadLetterDropped(String error) {
        tagged(ParleyMeter.DEAD_LETTERS_DROPPED, "error", error).increment();
    }

    /** A prompt record forwarded to the partition its key belongs to. */
    public void promptForwarded() {
        forwarded.increment();
    }

    /** A record read again at an offset already tracked. */
    public void recordRedelivered() {
        redelivered.increment();
    }

    /** A turn ended by an unexpected error of this class. */
    public void turnFailed(String error) {
        tagged(ParleyMeter.TURN_FAILURES, "error", error).increment();
    }

    private Counter tagged(ParleyMeter meter, String tag, String value) {
        return Counter.builder(meter.meterName()).description(meter.description()).baseUnit(meter.baseUnit())
                .tag(tag, value).register(registry);
    }

    public void recordSkipped() {
        skipped.increment();
    }

    public void turnReplayed() {
        replayed.increment();
    }

    /**
     * A generated turn with a JSON response format was checked.
     *
     * @param format {@code json_object} or {@code json_schema}
     */
    public void structuredOutput(String format, boolean valid) {
        Counter.builder(ParleyMeter.STRUCTURED_OUTPUT.meterName())
                .description(ParleyMeter.STRUCTURED_OUTPUT.description())
                .baseUnit(ParleyMeter.STRUCTURED_OUTPUT.baseUnit())
                .tag("format", format)
                .tag("result", valid ? "valid" : "invalid")
                .register(registry).increment();
    }

    public void turnRetried(String cause) {
        Counter.builder(ParleyMeter.TURN_RETRIES.meterName())
                .description(ParleyMeter.TURN_RETRIES.description())
                .baseUnit(ParleyMeter.TURN_RETRIES.baseUnit())
                .tag("cause", cause)
                .register(registry).increment();
    }

    public void turnFinished(ReplyStatus status, Duration sinceArrival) {
        turnsCounter(status).increment();
        turnDuration.record(sinceArrival);
    }

    public void turnStarted(Duration queued) {
        queueWait.record(queued);
    }

    public void generated(Generation generation, boolean hadHistory) {
        promptTokens.increment(generation.promptTokens());
        cachedTokens.increment(generation.cachedTokens());
        restoredTokens.increment(generation.restoredTokens());
        prefixTokens.increment(generation.prefixTokens());
        diskTokens.increment(generation.diskTokens());
        tiers.get(generation.tier()).increment();
        completionTokens.increment(generation.completionTokens());
        firstToken.record(Duration.ofNanos(generation.startedToFirstTokenNanos()));
        if (generation.coldStart() && hadHistory) {
            rehydrations.increment();
        }
    }

    public Timer historyTimer(String operation) {
        return histogram(Timer.builder(ParleyMeter.HISTORY_LATENCY.meterName())
                .description(ParleyMeter.HISTORY_LATENCY.description())
                .tag("operation", operation))
                .register(registry);
    }

    public void replyPublished(Duration latency) {
        replyPublish.record(latency);
    }

    /** Registers the engine's gauges and its KV cache counters, read when scraped. */
    public void bindEngine(InferenceEngine engine) {
        gauge(ParleyMeter.SLOTS_BUSY, engine::busySlots);
        gauge(ParleyMeter.CONVERSATIONS_WARM, engine::warmConversations);
        gauge(ParleyMeter.KV_SNAPSHOTS, () -> engine.kvCacheStats().snapshots());
        gauge(ParleyMeter.KV_SNAPSHOT_BYTES, () -> engine.kvCacheStats().snapshotBytes());
        gauge(ParleyMeter.KV_SNAPSHOT_BUDGET, () -> engine.kvCacheStats().budgetBytes());
        functionCounter(ParleyMeter.KV_EVICTIONS, engine, e -> e.kvCacheStats().evictions());
        functionCounter(ParleyMeter.KV_SNAPSHOTS_DROPPED, engine, e -> e.kvCacheStats().snapshotsDropped());
        functionCounter(ParleyMeter.KV_SNAPSHOT_BUFFERS_REUSED, engine, e -> e.kvCacheStats().buffersReused());
        functionCounter(ParleyMeter.PREEMPTIONS, engine, InferenceEngine::preemptions);
        PrefixCacheMetrics.bind(registry, engine);
        Timer save = fastTimer(ParleyMeter.KV_SNAPSHOT_SAVE);
        Timer restore = fastTimer(ParleyMeter.KV_SNAPSHOT_RESTORE);
        DiskTierMetrics.bind(registry, engine);
        engine.addKvCacheListener(new KvCacheListener() {
            @Override
            public void snapshotSaved(long nanos) {
                save.record(nanos, TimeUnit.NANOSECONDS);
            }

            @Override
            public void snapshotRestored(long nanos) {
                restore.record(nanos, TimeUnit.NANOSECONDS);
            }
        });
    }

    private void functionCounter(ParleyMeter meter, InferenceEngine engine, ToDoubleFunction<InferenceEngine> count) {
        FunctionCounter.builder(meter.meterName(), engine, count)
                .description(meter.description())
                .baseUnit(meter.baseUnit())
                .register(registry);
    }

    /** The dispatcher's lanes: turns waiting per lane, batch turns started by aging. */
    public void bindLanes(Dispatcher dispatcher) {
        for (Priority lane : Priority.values()) {
            gauge(ParleyMeter.LANE_WAITING, "lane", lane.wireName(), () -> dispatcher.ready(lane));
        }
        FunctionCounter.builder(ParleyMeter.LANE_AGED.meterName(), dispatcher, Dispatcher::agedBatchStarts)
                .description(ParleyMeter.LANE_AGED.description())
                .baseUnit(ParleyMeter.LANE_AGED.baseUnit())
                .register(registry);
    }

    /** Registers a gauge from the catalogue, reading {@code value} when scraped. */
    public void gauge(ParleyMeter meter, Supplier<Number> value) {
        if (meter.type() != ParleyMeter.Type.GAUGE) {
            throw new IllegalArgumentException(meter.meterName() + " is a " + meter.type() + ", not a gauge");
        }
        Gauge.builder(meter.meterName(), value)
                .description(meter.description())
                .baseUnit(meter.baseUnit())
                .register(registry);
    }

    /** Registers a tagged gauge from the catalogue. */
    public void gauge(ParleyMeter meter, String tag, String tagValue, Supplier<Number> value) {
        Gauge.builder(meter.meterName(), value)
                .description(meter.description())
                .baseUnit(meter.baseUnit())
                .tag(tag, tagValue)
                .register(registry);
    }

    private Counter turnsCounter(ReplyStatus status) {
        return Counter.builder(ParleyMeter.TURNS.meterName())
                .description(ParleyMeter.TURNS.description())
                .baseUnit(ParleyMeter.TURNS.baseUnit())
                .tag("status", status.wireName())
                .register(registry);
    }

    private Counter counter(ParleyMeter meter) {
        return Counter.builder(meter.meterName()).description(meter.description()).baseUnit(meter.baseUnit())
                .register(registry);
    }

    private Timer timer(ParleyMeter meter) {
        return histogram(Timer.builder(meter.meterName()).description(meter.description())).register(registry);
    }

    /** A timer of operations that take microseconds to milliseconds (snapshot copies). */
    private Timer fastTimer(ParleyMeter meter) {
        return Timer.builder(meter.meterName()).description(meter.description())
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofNanos(50_000))
                .maximumExpectedValue(Duration.ofSeconds(10))
                .register(registry);
    }

    /** Histogram buckets, so percentiles can be aggregated across workers (histogram_quantile in Prometheus). */
    private static Timer.Builder histogram(Timer.Builder builder) {
        return builder.publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofMinutes(10));
    }
}
