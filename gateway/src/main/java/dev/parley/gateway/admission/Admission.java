package dev.parley.gateway.admission;

import dev.parley.client.AdmissionPolicy;
import dev.parley.client.ModelLoad;
import dev.parley.client.ParleyException;
import dev.parley.gateway.openai.OpenAiException;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Refuses an interactive chat request with 429 and a {@code Retry-After} when its model's pool has more work waiting
 * than the {@link AdmissionPolicy} allows, instead of letting it queue past its deadline. The waiting work is what the
 * model's workers announce ({@link ModelLoad}) plus the requests this gateway sent since they measured it, less the
 * slots they reported free. Batch lines never come here: they queue durably whatever the load.
 *
 * <p>When the load cannot be read (the models topic away, no worker reporting) the request is admitted: admission
 * sheds load it can see, it never refuses blind.
 */
public final class Admission {

    private static final Logger log = LoggerFactory.getLogger(Admission.class);

    /** An admitted request, counted as sent until its answer is in (then closed). */
    public interface Ticket extends AutoCloseable {
        /** Counts nothing. */
        Ticket NONE = () -> { };

        @Override
        void close();
    }

    private final AdmissionPolicy policy;
    private final Function<String, Optional<ModelLoad>> loads;
    private final AdmissionMetrics metrics;
    private final Clock clock;
    private final SentRequests sent = new SentRequests();

    /**
     * @param loads the announced load of a model (the SDK's {@code modelLoad}), empty when none is reported
     */
    public Admission(AdmissionPolicy policy, Function<String, Optional<ModelLoad>> loads, AdmissionMetrics metrics,
                     Clock clock) {
        this.policy = policy;
        this.loads = loads;
        this.metrics = metrics;
        this.clock = clock;
        metrics.bindBounds(policy);
    }

    /**
     * Admits an interactive request of {@code tenant} to the announced {@code model} with {@code timeLeft} before its
     * deadline, or throws the 429. A {@code null} model (a configured name nobody announces) has no load to go by.
     */
    public Ticket admit(String model, String tenant, Duration timeLeft) {
        if (model == null || !policy.active()) {
            return Ticket.NONE;
        }
        metrics.watch(model, this::waiting);
        Optional<ModelLoad> load = waiting(model, tenant);
        if (load.isPresent()) {
            Optional<AdmissionPolicy.Refusal> refusal = policy.check(load.get(), tenant, timeLeft);
            if (refusal.isPresent()) {
                metrics.refused(refusal.get().reason());
                throw OpenAiException.overloaded("model " + model + " is overloaded: " + refusal.get().message()
                        + "; retry after " + refusal.get().retryAfter().toSeconds() + "s", refusal.get().retryAfter());
            }
        }
        return sent.add(model, tenant, clock.instant());
    }

    /** What waits for {@code model} as far as this gateway knows, for the metrics. */
    Optional<ModelLoad> waiting(String model) {
        return waiting(model, null);
    }

    private Optional<ModelLoad> waiting(String model, String tenant) {
        try {
            return loads.apply(model).map(load -> withSent(load, tenant));
        } catch (ParleyException e) {
            log.warn("Cannot read the load of model {}; admitting without it: {}", model, e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * {@code load} with the requests this gateway sent since it was measured: those beyond the slots the workers
     * reported free wait too.
     */
    private ModelLoad withSent(ModelLoad load, String tenant) {
        long unreported = sent.sentAfter(load.model(), load.measuredAt());
        long waiting = Math.max(0, unreported - load.freeSlots());
        Map<String, Long> tenants = new HashMap<>(load.tenantWaitingTurns());
        if (tenant != null) {
            long ofTenant = Math.max(0, sent.sentAfter(load.model(), tenant, load.measuredAt()) - load.freeSlots());
            tenants.merge(tenant, ofTenant, Long::sum);
        }
        return new ModelLoad(load.model(), load.waitingTurns() + waiting, load.waitingPromptTokens(),
                load.runningTurns(), Math.max(0, load.freeSlots() - unreported), load.tokensPerSecond(),
                load.turnsPerSecond(), tenants, load.workers(), load.measuredAt());
    }
}
