package dev.parley.worker.metrics;

import dev.parley.worker.engine.InferenceEngine;
import dev.parley.worker.engine.PrefixCacheStats;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.function.ToDoubleFunction;

/** The meters of an engine's shared prompt prefixes, read from {@link InferenceEngine#prefixCacheStats()} when scraped. */
final class PrefixCacheMetrics {

    private PrefixCacheMetrics() {
    }

    static void bind(MeterRegistry registry, InferenceEngine engine) {
        counter(registry, ParleyMeter.KV_PREFIX_HITS, engine, PrefixCacheStats::hits);
        counter(registry, ParleyMeter.KV_PREFIX_MISSES, engine, PrefixCacheStats::misses);
        counter(registry, ParleyMeter.KV_PREFIX_EVICTIONS, engine, PrefixCacheStats::evictions);
        gauge(registry, ParleyMeter.KV_PREFIXES, engine, PrefixCacheStats::prefixes);
        gauge(registry, ParleyMeter.KV_PREFIX_BYTES, engine, PrefixCacheStats::bytes);
        gauge(registry, ParleyMeter.KV_PREFIX_BUDGET, engine, PrefixCacheStats::budgetBytes);
    }

    private static void counter(MeterRegistry registry, ParleyMeter meter, InferenceEngine engine,
                                ToDoubleFunction<PrefixCacheStats> count) {
        FunctionCounter.builder(meter.meterName(), engine, e -> count.applyAsDouble(e.prefixCacheStats()))
                .description(meter.description())
                .baseUnit(meter.baseUnit())
                .register(registry);
    }

    private static void gauge(MeterRegistry registry, ParleyMeter meter, InferenceEngine engine,
                              ToDoubleFunction<PrefixCacheStats> value) {
        Gauge.builder(meter.meterName(), engine, e -> value.applyAsDouble(e.prefixCacheStats()))
                .description(meter.description())
                .baseUnit(meter.baseUnit())
                .register(registry);
    }
}
