package dev.parley.worker.metrics;

import dev.parley.worker.engine.InferenceEngine;
import dev.parley.worker.engine.KvCacheListener;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/** The disk KV tier's meters, read from {@link InferenceEngine#diskTierStats()} and its listener; zero without one. */
final class DiskTierMetrics {

    private DiskTierMetrics() {
    }

    static void bind(MeterRegistry registry, InferenceEngine engine) {
        gauge(registry, ParleyMeter.KV_DISK_FILES, engine, e -> e.diskTierStats().files());
        gauge(registry, ParleyMeter.KV_DISK_BYTES, engine, e -> e.diskTierStats().bytes());
        gauge(registry, ParleyMeter.KV_DISK_BUDGET, engine, e -> e.diskTierStats().budgetBytes());
        counter(registry, ParleyMeter.KV_DISK_WRITTEN, engine, e -> e.diskTierStats().writtenBytes(), null);
        counter(registry, ParleyMeter.KV_DISK_READ, engine, e -> e.diskTierStats().readBytes(), null);
        counter(registry, ParleyMeter.KV_DISK_DROPPED, engine, e -> e.diskTierStats().dropped(), null);
        counter(registry, ParleyMeter.KV_DISK_IGNORED, engine, e -> e.diskTierStats().corrupt(), "corrupt");
        counter(registry, ParleyMeter.KV_DISK_IGNORED, engine, e -> e.diskTierStats().foreign(), "foreign");
        Timer save = timer(registry, ParleyMeter.KV_DISK_SAVE);
        Timer restore = timer(registry, ParleyMeter.KV_DISK_RESTORE);
        engine.addKvCacheListener(new KvCacheListener() {
            @Override
            public void snapshotSaved(long nanos) {
            }

            @Override
            public void snapshotRestored(long nanos) {
            }

            @Override
            public void diskSaved(long nanos, long bytes) {
                save.record(nanos, TimeUnit.NANOSECONDS);
            }

            @Override
            public void diskRestored(long nanos, long bytes) {
                restore.record(nanos, TimeUnit.NANOSECONDS);
            }
        });
    }

    private static void gauge(MeterRegistry registry, ParleyMeter meter, InferenceEngine engine,
                              ToDoubleFunction<InferenceEngine> value) {
        Gauge.builder(meter.meterName(), engine, value).description(meter.description()).baseUnit(meter.baseUnit())
                .register(registry);
    }

    private static void counter(MeterRegistry registry, ParleyMeter meter, InferenceEngine engine,
                                ToDoubleFunction<InferenceEngine> count, String reason) {
        FunctionCounter.Builder<InferenceEngine> builder = FunctionCounter.builder(meter.meterName(), engine, count)
                .description(meter.description()).baseUnit(meter.baseUnit());
        if (reason != null) {
            builder.tag("reason", reason);
        }
        builder.register(registry);
    }

    /** Files of tens of MiB take milliseconds to seconds to write or read. */
    private static Timer timer(MeterRegistry registry, ParleyMeter meter) {
        return Timer.builder(meter.meterName()).description(meter.description())
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofNanos(100_000))
                .maximumExpectedValue(Duration.ofSeconds(30))
                .register(registry);
    }
}
