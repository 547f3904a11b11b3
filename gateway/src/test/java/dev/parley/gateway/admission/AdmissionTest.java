package dev.parley.gateway.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.client.AdmissionPolicy;
import dev.parley.client.ModelLoad;
import dev.parley.client.ParleyException;
import dev.parley.gateway.openai.OpenAiException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The gateway's admission on set figures: announced load plus what it sent since, its 429 and its meters. */
class AdmissionTest {

    private static final Instant MEASURED = Instant.parse("2026-12-07T08:00:00Z");
    private static final Duration MINUTE = Duration.ofMinutes(1);

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final List<String> refusals = new ArrayList<>();
    private ModelLoad announced = load(0, 1);

    private static ModelLoad load(long waiting, long freeSlots) {
        return new ModelLoad("tiny", waiting, waiting * 50, 1, freeSlots, 10, 0.5, Map.of(), 1, MEASURED);
    }

    private Admission admission(AdmissionPolicy policy) {
        return new Admission(policy, model -> model.equals("tiny") ? Optional.of(announced) : Optional.empty(),
                new AdmissionMetrics(registry, refusals::add), Clock.fixed(MEASURED.plusSeconds(1), ZoneOffset.UTC));
    }

    @Test
    void requestsSentSinceTheLastReportCountOnceTheFreeSlotsAreTaken() {
        Admission admission = admission(new AdmissionPolicy(1, 0, 0, false, Duration.ofSeconds(30)));

        Admission.Ticket first = admission.admit("tiny", "alpha", MINUTE); // takes the free slot
        admission.admit("tiny", "alpha", MINUTE); // waits: 1 turn waiting now

        assertThatThrownBy(() -> admission.admit("tiny", "alpha", MINUTE)).isInstanceOfSatisfying(
                OpenAiException.class, e -> {
                    assertThat(e.status()).isEqualTo(429);
                    assertThat(e.code()).isEqualTo("rate_limit_exceeded");
                    assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(2)); // 1 turn over at 0.5 a second
                    assertThat(e.getMessage()).contains("model tiny is overloaded", "1 turns wait");
                });
        assertThat(refusals).containsExactly("waiting_turns");
        assertThat(registry.get("parley.gateway.admission.waiting.turns").tag("model", "tiny").gauge().value())
                .isEqualTo(1.0);

        first.close();
        admission.admit("tiny", "alpha", MINUTE); // answered one: room again
    }

    @Test
    void requestsSentBeforeTheReportAreInItAlready() {
        Admission admission = new Admission(new AdmissionPolicy(1, 0, 0, false, Duration.ofSeconds(30)),
                model -> Optional.of(announced), new AdmissionMetrics(registry, refusals::add),
                Clock.fixed(MEASURED.minusSeconds(1), ZoneOffset.UTC));
        announced = load(0, 0);

        for (int i = 0; i < 3; i++) {
            admission.admit("tiny", "alpha", MINUTE);
        }

        assertThat(refusals).isEmpty();
    }

    @Test
    void aModelWithoutReportedLoadOrWithoutAnAnnouncementIsAdmitted() {
        Admission admission = admission(new AdmissionPolicy(1, 0, 0, true, Duration.ofSeconds(30)));

        admission.admit(null, "alpha", Duration.ZERO);
        admission.admit("other", "alpha", Duration.ZERO);

        assertThat(refusals).isEmpty();
    }

    @Test
    void anUnreadableModelsTopicAdmits() {
        Admission admission = new Admission(new AdmissionPolicy(1, 0, 0, true, Duration.ofSeconds(30)), model -> {
            throw new ParleyException("cannot read the served models");
        }, new AdmissionMetrics(registry, refusals::add), Clock.systemUTC());

        admission.admit("tiny", "alpha", MINUTE);

        assertThat(refusals).isEmpty();
    }

    @Test
    void theBoundsAreMeters() {
        admission(new AdmissionPolicy(8, 2, 4096, true, Duration.ofSeconds(30)));

        assertThat(registry.get("parley.gateway.admission.bound").tag("kind", "waiting_turns").gauge().value())
                .isEqualTo(8.0);
        assertThat(registry.get("parley.gateway.admission.bound").tag("kind", "tenant_waiting_turns").gauge().value())
                .isEqualTo(2.0);
        assertThat(registry.get("parley.gateway.admission.bound").tag("kind", "waiting_prompt_tokens").gauge()
                .value()).isEqualTo(4096.0);
    }
}
