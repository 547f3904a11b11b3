package dev.parley.client.internal;

import dev.parley.client.AdmissionPolicy;
import dev.parley.client.ParleyOverloadedException;
import dev.parley.schemas.Priority;
import dev.parley.schemas.Prompt;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * The client side of admission: refuses an interactive prompt for a model whose pool, as its workers announce it,
 * has more waiting than the policy allows. Batch prompts and prompts naming no model always pass: batch work queues
 * durably, and a prompt without a model has no announced pool to ask.
 */
public final class AdmissionGate {

    private final AdmissionPolicy policy;
    private final ModelDirectory models;
    private final Clock clock;

    public AdmissionGate(AdmissionPolicy policy, ModelDirectory models, Clock clock) {
        this.policy = Objects.requireNonNull(policy, "policy");
        this.models = Objects.requireNonNull(models, "models");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Returns when {@code prompt} may be sent.
     *
     * @param timeout how long the caller waits for the reply, the time left when the prompt has no deadline
     * @throws ParleyOverloadedException when the pool is past the policy's bounds
     */
    public void admit(Prompt prompt, Duration timeout) {
        if (!policy.active() || prompt.model() == null || prompt.priorityOrDefault() != Priority.INTERACTIVE) {
            return;
        }
        Duration timeLeft = prompt.deadline() == null ? timeout : Duration.between(clock.instant(), prompt.deadline());
        models.load(prompt.model()).flatMap(load -> policy.check(load, prompt.tenant(), timeLeft))
                .ifPresent(refusal -> {
                    throw new ParleyOverloadedException(prompt.model(), refusal);
                });
    }
}
