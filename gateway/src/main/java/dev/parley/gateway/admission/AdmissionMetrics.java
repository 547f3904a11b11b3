package dev.parley.gateway.admission;

import dev.parley.client.AdmissionPolicy;
import dev.parley.client.ModelLoad;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Consumer;
import java.util.function.ToDoubleFunction;

/**
 * Admission's meters: the waiting work of each model as admission sees it (announced plus sent since), the bounds,
 * and, through the gateway's {@code parley.gateway.refused} counter, refusals by reason. A model's gauges appear with
 * its first interactive request; models are the announced ones, a small set.
 */
public final class AdmissionMetrics {

    private final MeterRegistry registry;
    private final Consumer<String> refused;
    private final Set<String> watched = ConcurrentHashMap.newKeySet();

    /**
     * @param refused counts one refusal by reason (the gateway's {@code parley.gateway.refused})
     */
    public AdmissionMetrics(MeterRegistry registry, Consumer<String> refused) {
        this.registry = registry;
        this.refused = refused;
    }

    void bindBounds(AdmissionPolicy policy) {
        bound("waiting_turns", policy.maxWaitingTurns());
        bound("tenant_waiting_turns", policy.maxTenantWaitingTurns());
        bound("waiting_prompt_tokens", policy.maxWaitingPromptTokens());
    }

    private void bound(String kind, long value) {
        Gauge.builder("parley.gateway.admission.bound", () -> value)
                .description("Waiting work of a model past which its interactive requests get 429, by kind: "
                        + "waiting_turns, tenant_waiting_turns, waiting_prompt_tokens (0: off)")
                .tag("kind", kind).register(registry);
    }

    void refused(String reason) {
        refused.accept(reason);
    }

    /** Registers {@code model}'s gauges once, reading {@code waiting} when scraped. */
    void watch(String model, Function<String, Optional<ModelLoad>> waiting) {
        if (!watched.add(model)) {
            return;
        }
        gauge("parley.gateway.admission.waiting.turns", "turns", model, waiting, ModelLoad::waitingTurns,
                "Turns waiting for a model: announced by its workers (queued and unread) plus those this gateway sent "
                        + "since, beyond the free slots");
        gauge("parley.gateway.admission.waiting.prompt.tokens", "tokens", model, waiting,
                ModelLoad::waitingPromptTokens, "Prompt tokens of the turns waiting for a model, as its workers "
                        + "estimate them");
        gauge("parley.gateway.admission.turns.per.second", null, model, waiting, ModelLoad::turnsPerSecond,
                "Turns a model's pool finished per second, recently: what Retry-After is estimated from");
    }

    private void gauge(String name, String unit, String model, Function<String, Optional<ModelLoad>> waiting,
                       ToDoubleFunction<ModelLoad> figure, String description) {
        Gauge.builder(name, () -> read(waiting, model, figure))
                .description(description).baseUnit(unit).tag("model", model).register(registry);
    }

    /** The figure now; NaN when it cannot be read (the client closing): a scrape never fails for it. */
    private static double read(Function<String, Optional<ModelLoad>> waiting, String model,
                               ToDoubleFunction<ModelLoad> figure) {
        try {
            return waiting.apply(model).map(figure::applyAsDouble).orElse(0.0);
        } catch (RuntimeException e) {
            return Double.NaN;
        }
    }
}
