package dev.parley.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The admission decision on set figures: which bound refuses, and the Retry-After it estimates. */
class AdmissionPolicyTest {

    private static final Duration MINUTE = Duration.ofMinutes(1);

    private static ModelLoad load(long waiting, long promptTokens, double turnsPerSecond, Map<String, Long> tenants) {
        return new ModelLoad("tiny", waiting, promptTokens, 1, 0, turnsPerSecond * 100, turnsPerSecond, tenants, 1,
                Instant.EPOCH);
    }

    @Test
    void underEveryBoundARequestIsAdmitted() {
        AdmissionPolicy policy = new AdmissionPolicy(10, 5, 1000, true, Duration.ofSeconds(30));

        assertThat(policy.check(load(9, 999, 1, Map.of("alpha", 4L)), "alpha", MINUTE)).isEmpty();
    }

    @Test
    void atTheTurnBoundARequestIsRefusedWithTheTimeTheExcessTakesToDrain() {
        AdmissionPolicy policy = new AdmissionPolicy(10, 0, 0, false, Duration.ofSeconds(30));

        AdmissionPolicy.Refusal refusal = policy.check(load(14, 0, 0.5, Map.of()), "alpha", MINUTE).orElseThrow();

        assertThat(refusal.reason()).isEqualTo("waiting_turns");
        assertThat(refusal.retryAfter()).isEqualTo(Duration.ofSeconds(10)); // 5 turns over, at 0.5 a second
        assertThat(refusal.message()).contains("14 turns wait for model tiny", "bound is 10");
    }

    @Test
    void oneTenantPastItsBoundIsRefusedWhileAnotherIsAdmitted() {
        AdmissionPolicy policy = new AdmissionPolicy(0, 3, 0, false, Duration.ofSeconds(30));
        ModelLoad load = load(4, 0, 2, Map.of("alpha", 3L, "beta", 1L));

        assertThat(policy.check(load, "alpha", MINUTE)).hasValueSatisfying(r ->
                assertThat(r.reason()).isEqualTo("tenant_waiting_turns"));
        assertThat(policy.check(load, "beta", MINUTE)).isEmpty();
        assertThat(policy.check(load, null, MINUTE)).isEmpty();
    }

    @Test
    void waitingPromptTokensPastTheirBoundRefuse() {
        AdmissionPolicy policy = new AdmissionPolicy(0, 0, 1000, false, Duration.ofSeconds(30));

        assertThat(policy.check(load(4, 2000, 1, Map.of()), "alpha", MINUTE)).hasValueSatisfying(r -> {
            assertThat(r.reason()).isEqualTo("waiting_prompt_tokens");
            assertThat(r.retryAfter()).isEqualTo(Duration.ofSeconds(3)); // 1000 tokens over at 500 a turn: 3 turns
        });
    }

    @Test
    void aRequestThePoolWouldNotReachBeforeItsDeadlineIsRefused() {
        AdmissionPolicy policy = new AdmissionPolicy(0, 0, 0, true, Duration.ofSeconds(30));
        ModelLoad load = load(90, 0, 1, Map.of()); // 90 s of work ahead

        assertThat(policy.check(load, "alpha", Duration.ofSeconds(120))).isEmpty();
        assertThat(policy.check(load, "alpha", MINUTE)).hasValueSatisfying(r -> {
            assertThat(r.reason()).isEqualTo("deadline");
            assertThat(r.retryAfter()).isEqualTo(Duration.ofSeconds(30));
        });
    }

    @Test
    void withoutARecentRateTheDeadlineIsNotJudgedAndRetryAfterIsTheLongest() {
        AdmissionPolicy policy = new AdmissionPolicy(2, 0, 0, true, Duration.ofSeconds(20));
        ModelLoad stalled = load(5, 0, 0, Map.of());

        assertThat(policy.check(load(1, 0, 0, Map.of()), "alpha", Duration.ofMillis(1))).isEmpty();
        assertThat(policy.check(stalled, "alpha", MINUTE).orElseThrow().retryAfter()).isEqualTo(Duration.ofSeconds(20));
    }

    @Test
    void retryAfterIsNeverUnderASecond() {
        AdmissionPolicy policy = new AdmissionPolicy(1, 0, 0, false, Duration.ofSeconds(30));

        assertThat(policy.check(load(1, 0, 100, Map.of()), "alpha", MINUTE).orElseThrow().retryAfter())
                .isEqualTo(AdmissionPolicy.MIN_RETRY_AFTER);
    }

    @Test
    void offAdmitsEverythingAndBadBoundsAreRefusedNamingThem() {
        assertThat(AdmissionPolicy.OFF.active()).isFalse();
        assertThat(AdmissionPolicy.OFF.check(load(1_000_000, 1_000_000, 0.001, Map.of()), "a", Duration.ZERO)).isEmpty();
        assertThatThrownBy(() -> new AdmissionPolicy(-1, 0, 0, false, Duration.ofSeconds(30)))
                .hasMessageContaining("max waiting turns must be >= 0, got -1");
        assertThatThrownBy(() -> new AdmissionPolicy(0, 0, 0, false, Duration.ZERO))
                .hasMessageContaining("max retry-after");
    }
}
