package dev.parley.client;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * When an interactive request to a model is refused rather than queued: when its pool already has more work waiting
 * than a bound allows ({@link ModelLoad}, from the load workers announce), or when the work ahead of it would not be
 * done before its deadline. A bound of 0 is off. The refusal says when to try again: the time the pool needs, at its
 * recent rate, to fall back under the bound, at least {@link #MIN_RETRY_AFTER} and at most the policy's
 * {@code maxRetryAfter} (which is also the answer when the pool finished nothing recently).
 *
 * <p>Immutable and thread-safe; {@link #OFF} admits everything.
 *
 * @see ParleyClient.Builder#admission(AdmissionPolicy)
 */
public final class AdmissionPolicy {

    /** The shortest wait a refusal asks for: figures are renewed every couple of seconds. */
    public static final Duration MIN_RETRY_AFTER = Duration.ofSeconds(1);
    /** The longest wait a refusal asks for by default. */
    public static final Duration DEFAULT_MAX_RETRY_AFTER = Duration.ofSeconds(30);
    /** Admits everything. */
    public static final AdmissionPolicy OFF = new AdmissionPolicy(0, 0, 0, false, DEFAULT_MAX_RETRY_AFTER);

    /** Why a request was refused, and when to try again. */
    public record Refusal(String reason, Duration retryAfter, String message) {
        public Refusal {
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(retryAfter, "retryAfter");
            Objects.requireNonNull(message, "message");
        }
    }

    private final long maxWaitingTurns;
    private final long maxTenantWaitingTurns;
    private final long maxWaitingPromptTokens;
    private final boolean refuseBeyondDeadline;
    private final Duration maxRetryAfter;

    /**
     * @param maxWaitingTurns        waiting turns of the model at which its interactive requests are refused (0: off)
     * @param maxTenantWaitingTurns  the same for one tenant's waiting turns (0: off)
     * @param maxWaitingPromptTokens waiting prompt tokens of the model at which they are refused (0: off)
     * @param refuseBeyondDeadline   whether a request is refused when the waiting work, at the pool's recent rate,
     *                               takes longer than its deadline leaves
     * @param maxRetryAfter          the longest wait a refusal asks for
     */
    public AdmissionPolicy(long maxWaitingTurns, long maxTenantWaitingTurns, long maxWaitingPromptTokens,
                           boolean refuseBeyondDeadline, Duration maxRetryAfter) {
        require(maxWaitingTurns >= 0, "max waiting turns must be >= 0, got " + maxWaitingTurns);
        require(maxTenantWaitingTurns >= 0, "max tenant waiting turns must be >= 0, got " + maxTenantWaitingTurns);
        require(maxWaitingPromptTokens >= 0, "max waiting prompt tokens must be >= 0, got " + maxWaitingPromptTokens);
        Objects.requireNonNull(maxRetryAfter, "maxRetryAfter");
        require(maxRetryAfter.compareTo(MIN_RETRY_AFTER) >= 0,
                "max retry-after must be >= " + MIN_RETRY_AFTER + ", got " + maxRetryAfter);
        this.maxWaitingTurns = maxWaitingTurns;
        this.maxTenantWaitingTurns = maxTenantWaitingTurns;
        this.maxWaitingPromptTokens = maxWaitingPromptTokens;
        this.refuseBeyondDeadline = refuseBeyondDeadline;
        this.maxRetryAfter = maxRetryAfter;
    }

    /** Whether anything can be refused at all. */
    public boolean active() {
        return maxWaitingTurns > 0 || maxTenantWaitingTurns > 0 || maxWaitingPromptTokens > 0 || refuseBeyondDeadline;
    }

    public long maxWaitingTurns() {
        return maxWaitingTurns;
    }

    public long maxTenantWaitingTurns() {
        return maxTenantWaitingTurns;
    }

    public long maxWaitingPromptTokens() {
        return maxWaitingPromptTokens;
    }

    public boolean refuseBeyondDeadline() {
        return refuseBeyondDeadline;
    }

    public Duration maxRetryAfter() {
        return maxRetryAfter;
    }

    /**
     * Empty when an interactive request of {@code tenant} may be sent to a pool with {@code load}, with
     * {@code timeLeft} before its deadline; else the first bound it passes.
     */
    public Optional<Refusal> check(ModelLoad load, String tenant, Duration timeLeft) {
        if (maxWaitingTurns > 0 && load.waitingTurns() >= maxWaitingTurns) {
            return refuse("waiting_turns", load, load.waitingTurns() - maxWaitingTurns + 1, load.waitingTurns()
                    + " turns wait for model " + load.model() + ", its bound is " + maxWaitingTurns);
        }
        long tenantWaiting = load.waitingTurnsOf(tenant);
        if (maxTenantWaitingTurns > 0 && tenantWaiting >= maxTenantWaitingTurns) {
            return refuse("tenant_waiting_turns", load, tenantWaiting - maxTenantWaitingTurns + 1, tenantWaiting
                    + " turns of tenant " + tenant + " wait for model " + load.model() + ", its bound is "
                    + maxTenantWaitingTurns);
        }
        if (maxWaitingPromptTokens > 0 && load.waitingPromptTokens() >= maxWaitingPromptTokens) {
            long tokensPerTurn = Math.max(1, load.waitingPromptTokens() / Math.max(1, load.waitingTurns()));
            long excessTurns = (load.waitingPromptTokens() - maxWaitingPromptTokens) / tokensPerTurn + 1;
            return refuse("waiting_prompt_tokens", load, excessTurns, "about " + load.waitingPromptTokens()
                    + " prompt tokens wait for model " + load.model() + ", its bound is " + maxWaitingPromptTokens);
        }
        if (refuseBeyondDeadline) {
            Optional<Duration> wait = load.timeToFinish(load.waitingTurns());
            if (wait.isPresent() && wait.get().compareTo(timeLeft) > 0) {
                return Optional.of(new Refusal("deadline", bounded(wait.get().minus(timeLeft)), "the "
                        + load.waitingTurns() + " turns waiting for model " + load.model() + " take about "
                        + wait.get().toSeconds() + "s at the pool's recent rate, longer than the request's "
                        + timeLeft.toSeconds() + "s"));
            }
        }
        return Optional.empty();
    }

    private Optional<Refusal> refuse(String reason, ModelLoad load, long excessTurns, String message) {
        return Optional.of(new Refusal(reason, bounded(load.timeToFinish(excessTurns).orElse(maxRetryAfter)), message));
    }

    private Duration bounded(Duration wait) {
        if (wait.compareTo(MIN_RETRY_AFTER) < 0) {
            return MIN_RETRY_AFTER;
        }
        return wait.compareTo(maxRetryAfter) > 0 ? maxRetryAfter : wait;
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
