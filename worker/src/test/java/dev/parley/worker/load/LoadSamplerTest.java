package dev.parley.worker.load;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.schemas.Prompt;
import dev.parley.schemas.WorkerLoad;
import dev.parley.worker.dispatch.Dispatcher;
import dev.parley.worker.dispatch.PendingTurn;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** The load a worker announces, from a dispatcher whose turns never run (a recording executor) and set figures. */
class LoadSamplerTest {

    private static final TopicPartition P0 = new TopicPartition("parley.prompts", 0);

    private final List<Runnable> started = new ArrayList<>();
    private final Dispatcher dispatcher = new Dispatcher(1, started::add, turn -> { });
    private final AtomicLong nanos = new AtomicLong();
    private double tokens;
    private double turns;
    private int busy = 1;
    private long lag = 7;

    private final LoadSampler sampler = new LoadSampler(dispatcher, () -> busy, () -> lag, () -> tokens, () -> turns,
            nanos::get);

    private void enqueue(String conversation, String tenant, String text) {
        dispatcher.enqueue(new PendingTurn(P0, 0, Prompt.of("r-" + conversation, conversation, text).withTenant(tenant),
                0));
    }

    @Test
    void turnsBehindTheOnlyPlaceWaitWithTheirEstimatedPromptTokensAndTenants() {
        enqueue("c-1", "alpha", "x".repeat(40)); // starts: the one place
        enqueue("c-2", "alpha", "x".repeat(40));
        enqueue("c-3", "alpha", "x".repeat(41));
        enqueue("c-4", "beta", "x".repeat(4));

        WorkerLoad load = sampler.get();

        assertThat(started).hasSize(1);
        assertThat(load.waitingTurns()).isEqualTo(3);
        assertThat(load.waitingPromptTokens()).isEqualTo(10 + 11 + 1);
        assertThat(load.runningTurns()).isEqualTo(1);
        assertThat(load.unreadRecords()).isEqualTo(7);
        assertThat(load.tenants()).containsExactly(new WorkerLoad.TenantLoad("alpha", 2),
                new WorkerLoad.TenantLoad("beta", 1));
    }

    @Test
    void aTurnStartedButWithoutAnEngineSlotWaitsToo() {
        enqueue("c-1", "alpha", "hello");
        busy = 0; // the engine has not taken it into a slot yet

        WorkerLoad load = sampler.get();

        assertThat(load.waitingTurns()).isEqualTo(1);
        assertThat(load.runningTurns()).isZero();
    }

    @Test
    void throughputIsTheRateOverRecentBusyTime() {
        enqueue("c-1", "alpha", "hello"); // busy from here on
        assertThat(sampler.get().tokensPerSecond()).isZero();
        nanos.set(2_000_000_000L);
        tokens = 100;
        turns = 4;

        WorkerLoad load = sampler.get();

        assertThat(load.tokensPerSecond()).isEqualTo(50.0);
        assertThat(load.turnsPerSecond()).isEqualTo(2.0);

        // Long after, having generated nothing while busy: the old burst has left the window.
        for (int i = 0; i < 40; i++) {
            nanos.addAndGet(1_000_000_000L);
            sampler.get();
        }
        assertThat(sampler.get().tokensPerSecond()).isZero();
    }

    @Test
    void idleTimeDoesNotDiluteTheRate() {
        Throughput rate = new Throughput();
        rate.sample(0, 0, true);
        assertThat(rate.sample(1_000_000_000L, 10, true)).isEqualTo(10.0);

        // A minute with nothing to do, then a second of work at the same pace.
        rate.sample(61_000_000_000L, 10, false);
        assertThat(rate.sample(62_000_000_000L, 20, true)).isEqualTo(10.0);
    }

    @Test
    void onlyTheBusiestTenantsAreListed() {
        QueuedWork work = new QueuedWork();
        for (int tenant = 0; tenant < WorkerLoad.MAX_TENANTS + 3; tenant++) {
            for (int i = 0; i <= tenant; i++) {
                work.accept(Prompt.of("r", "c", "hi").withTenant("t" + tenant));
            }
        }

        assertThat(work.busiestTenants()).hasSize(WorkerLoad.MAX_TENANTS).first()
                .isEqualTo(new WorkerLoad.TenantLoad("t" + (WorkerLoad.MAX_TENANTS + 2), WorkerLoad.MAX_TENANTS + 3));
    }
}
