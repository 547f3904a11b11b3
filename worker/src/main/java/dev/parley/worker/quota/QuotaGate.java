package dev.parley.worker.quota;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The turn flow's hook into tenant quotas: a turn is admitted while its tenant's buckets each hold a token, and is
 * debited its actual prompt and completion tokens once it ran, so a balance may go negative and the tenant's later
 * turns wait until it refilled.
 *
 * <p>Redis away: {@link #admit} throws {@link QuotaUnavailableException}, which the turn waits out like any history
 * outage (backoff, counted, never dropped, never let through unchecked). {@link #charge} never holds up an answered
 * turn: a debit Redis did not take is kept here, per tenant, and added to the tenant's next settle.
 */
public final class QuotaGate {

    private static final Logger log = LoggerFactory.getLogger(QuotaGate.class);

    /** No quotas: admits everything without touching Redis. */
    public static final QuotaGate UNLIMITED = new QuotaGate(null, QuotaSettings.NONE, null);

    private final TokenBuckets buckets;
    private final QuotaSettings settings;
    private final QuotaMetrics metrics;
    /** Debits Redis has not taken yet, by tenant: {prompt, completion}. */
    private final Map<String, long[]> unsettled = new ConcurrentHashMap<>();

    public QuotaGate(TokenBuckets buckets, QuotaSettings settings, QuotaMetrics metrics) {
        this.buckets = buckets;
        this.settings = settings;
        this.metrics = metrics;
    }

    /**
     * Empty when a turn of {@code tenant} may run now; else why not.
     *
     * @throws QuotaUnavailableException when Redis does not answer (the caller backs off and asks again)
     */
    public Optional<QuotaRefusal> admit(String tenant) {
        QuotaLimit limit = settings.limitFor(tenant);
        if (!limit.limits()) {
            return Optional.empty();
        }
        BucketState state = settle(tenant, limit, 0, 0, "admit");
        if (state.admitted()) {
            return Optional.empty();
        }
        metrics.limited(tenant);
        long perMinute = "prompt".equals(state.exhausted()) ? limit.promptPerMinute() : limit.completionPerMinute();
        return Optional.of(new QuotaRefusal(tenant, state.exhausted(), perMinute, state.retryAfterMs()));
    }

    /** Debits a turn's actual tokens; never throws (an unanswered debit is kept for the tenant's next settle). */
    public void charge(String tenant, long promptTokens, long completionTokens) {
        QuotaLimit limit = settings.limitFor(tenant);
        if (!limit.limits() || promptTokens + completionTokens == 0) {
            return;
        }
        try {
            settle(tenant, limit, promptTokens, completionTokens, "charge");
        } catch (QuotaUnavailableException e) {
            log.warn("Quota store unavailable; {} prompt and {} completion tokens of tenant {} are charged later: {}",
                    promptTokens, completionTokens, tenant, e.getMessage());
        }
    }

    /** Debits not taken by Redis yet, {prompt, completion}, for tests and diagnostics. */
    public long[] unsettled(String tenant) {
        long[] owed = unsettled.get(tenant);
        return owed == null ? new long[2] : owed.clone();
    }

    private BucketState settle(String tenant, QuotaLimit limit, long promptTokens, long completionTokens, String step) {
        long[] owed = unsettled.remove(tenant);
        long prompt = promptTokens + (owed == null ? 0 : owed[0]);
        long completion = completionTokens + (owed == null ? 0 : owed[1]);
        try {
            BucketState state = buckets.settle(tenant, limit, prompt, completion);
            if (prompt + completion > 0) {
                metrics.charged(tenant, prompt, completion);
            }
            return state;
        } catch (QuotaUnavailableException e) {
            metrics.failed(step);
            if (prompt + completion > 0) {
                unsettled.merge(tenant, new long[] {prompt, completion},
                        (a, b) -> new long[] {a[0] + b[0], a[1] + b[1]});
            }
            throw e;
        }
    }
}
