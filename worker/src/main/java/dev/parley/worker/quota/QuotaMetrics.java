package dev.parley.worker.quota;

import dev.parley.worker.metrics.ParleyMeter;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The quota meters. Tenant tags are bounded: configured tenants by name, every other tenant as {@code other}, so a
 * flood of made-up tenant ids cannot grow the registry.
 */
public final class QuotaMetrics {

    private final MeterRegistry registry;
    private final QuotaSettings settings;

    public QuotaMetrics(MeterRegistry registry, QuotaSettings settings) {
        this.registry = registry;
        this.settings = settings;
    }

    void charged(String tenant, long promptTokens, long completionTokens) {
        String tag = settings.tag(tenant);
        tokens(tag, "prompt").increment(promptTokens);
        tokens(tag, "completion").increment(completionTokens);
    }

    void limited(String tenant) {
        Counter.builder(ParleyMeter.QUOTA_TURNS_LIMITED.meterName())
                .description(ParleyMeter.QUOTA_TURNS_LIMITED.description())
                .tag("tenant", settings.tag(tenant)).register(registry).increment();
    }

    void failed(String step) {
        Counter.builder(ParleyMeter.QUOTA_FAILURES.meterName()).description(ParleyMeter.QUOTA_FAILURES.description())
                .tag("step", step).register(registry).increment();
    }

    private Counter tokens(String tenant, String kind) {
        return Counter.builder(ParleyMeter.QUOTA_TOKENS_CHARGED.meterName())
                .description(ParleyMeter.QUOTA_TOKENS_CHARGED.description())
                .baseUnit(ParleyMeter.QUOTA_TOKENS_CHARGED.baseUnit())
                .tag("tenant", tenant).tag("kind", kind).register(registry);
    }
}
