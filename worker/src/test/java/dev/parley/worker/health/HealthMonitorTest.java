package dev.parley.worker.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The health rules on a settable clock: dead parts, stalls only while busy, forgiveness, one fatal report. */
class HealthMonitorTest {

    private final AtomicLong now = new AtomicLong(0);
    private final AtomicBoolean alive = new AtomicBoolean(true);
    private final AtomicBoolean busy = new AtomicBoolean(false);
    private final AtomicLong progress = new AtomicLong(0);
    private final List<Health> fatal = new ArrayList<>();
    private final HealthMonitor monitor = new HealthMonitor(Duration.ofSeconds(10), Duration.ofSeconds(5), now::get);

    HealthMonitorTest() {
        monitor.watch(new WatchedPart("engine", alive::get, busy::get, progress::get));
        monitor.watch(new WatchedPart("intake", () -> true, () -> true, now::get));
        monitor.onFatal(fatal::add);
    }

    private void advance(long seconds) {
        now.addAndGet(Duration.ofSeconds(seconds).toNanos());
    }

    @Test
    void anIdlePartWithoutProgressIsHealthyAndABusyOneStalls() {
        advance(60);
        assertThat(monitor.check().healthy()).isTrue();
        busy.set(true);
        assertThat(monitor.check().healthy()).isFalse();
        assertThat(monitor.check().problems()).startsWith("engine: no progress for 60 s");
        progress.set(now.get());
        assertThat(monitor.check().healthy()).isTrue();
        advance(10);
        assertThat(monitor.check().healthy()).as("exactly at the timeout").isTrue();
        advance(1);
        assertThat(monitor.check().healthy()).isFalse();
    }

    @Test
    void aDeadPartIsNamedAndReportedFatalOnceAfterTheGrace() {
        alive.set(false);
        monitor.tick();
        assertThat(monitor.check().problems()).isEqualTo("engine: its thread has stopped");
        advance(4);
        monitor.tick();
        assertThat(fatal).isEmpty();
        advance(1);
        monitor.tick();
        advance(1);
        monitor.tick();
        assertThat(fatal).hasSize(1);
        assertThat(fatal.get(0).parts()).extracting(Health.PartHealth::healthy).containsExactly(false, true);
    }

    @Test
    void aStallThatClearsWithinTheGraceIsForgiven() {
        busy.set(true);
        advance(11);
        monitor.tick();
        advance(4);
        monitor.tick();
        progress.set(now.get());
        monitor.tick();
        advance(4);
        monitor.tick();
        assertThat(fatal).isEmpty();
        advance(7); // unhealthy again: the grace starts over
        monitor.tick();
        advance(4);
        monitor.tick();
        assertThat(fatal).isEmpty();
        advance(1);
        monitor.tick();
        assertThat(fatal).hasSize(1);
    }
}
