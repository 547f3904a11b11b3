package dev.parley.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.client.ModelLoad;
import dev.parley.schemas.ModelAnnouncement;
import dev.parley.schemas.WorkerLoad;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A model's load summed over its workers' announcements, leaving out stale, other-model and load-less ones. */
class LoadSumTest {

    private static final Instant NOW = Instant.parse("2026-12-07T08:00:00Z");
    private static final Duration MAX_AGE = Duration.ofSeconds(10);

    private static ModelAnnouncement announced(String model, String worker, Instant at, WorkerLoad load) {
        return new ModelAnnouncement(model, "p." + model, "g", worker, null, 2, at, at.plusSeconds(300), load);
    }

    private static WorkerLoad load(int waiting, long unread, int running, String tenant, int tenantWaiting) {
        return new WorkerLoad(waiting, waiting * 100L, unread, running, 20, 0.5,
                List.of(new WorkerLoad.TenantLoad(tenant, tenantWaiting)));
    }

    @Test
    void theWorkersOfAModelAreSummedAndTheRestLeftOut() {
        ModelLoad sum = LoadSum.of("tiny", List.of(
                announced("tiny", "w-1", NOW.minusSeconds(1), load(3, 2, 2, "alpha", 2)),
                announced("tiny", "w-2", NOW.minusSeconds(2), load(1, 0, 1, "alpha", 1)),
                announced("tiny", "w-stale", NOW.minusSeconds(11), load(50, 0, 2, "alpha", 50)),
                announced("tiny", "w-old", NOW, null),
                announced("big", "w-3", NOW, load(9, 9, 2, "alpha", 9))), NOW, MAX_AGE).orElseThrow();

        assertThat(sum.workers()).isEqualTo(2);
        assertThat(sum.waitingTurns()).isEqualTo(3 + 2 + 1);
        assertThat(sum.waitingPromptTokens()).isEqualTo(400);
        assertThat(sum.runningTurns()).isEqualTo(3);
        assertThat(sum.freeSlots()).isEqualTo(1);
        assertThat(sum.turnsPerSecond()).isEqualTo(1.0);
        assertThat(sum.tenantWaitingTurns()).isEqualTo(Map.of("alpha", 3L));
        assertThat(sum.measuredAt()).isEqualTo(NOW.minusSeconds(2));
    }

    @Test
    void noRecentLoadIsNoLoad() {
        assertThat(LoadSum.of("tiny", List.of(announced("tiny", "w-1", NOW.minusSeconds(30), load(3, 0, 0, "a", 3))),
                NOW, MAX_AGE)).isEmpty();
    }
}
