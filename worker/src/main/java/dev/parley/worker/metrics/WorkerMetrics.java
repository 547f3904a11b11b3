package dev.parley.worker.metrics;

import dev.parley.schemas.ReplyStatus;
import dev.parley.worker.engine.Generation;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.function.Supplier;

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

    public void recordSkipped() {
        skipped.increment();
    }

    public void turnReplayed() {
        replayed.increment();
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
        completionTokens.increment(generation.completionTokens());
        firstToken.record(Duration.ofNanos(generation.firstTokenNanos()));
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

    /** Histogram buckets, so percentiles can be aggregated across workers (histogram_quantile in Prometheus). */
    private static Timer.Builder histogram(Timer.Builder builder) {
        return builder.publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofMinutes(10));
    }
}
