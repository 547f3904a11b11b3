package dev.parley.worker.engine.cpp;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.jna.Memory;
import dev.parley.schemas.ChatMessage;
import dev.parley.schemas.Priority;
import dev.parley.worker.engine.GenerationRequest;
import dev.parley.worker.engine.Sampling;
import dev.parley.worker.engine.TokenListener;
import dev.parley.worker.engine.Transcript;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The order waiting jobs are offered a sequence in, with a clock the test moves. */
class LaneOrderTest {

    private static final long AGING = 1_000;
    private final AtomicLong now = new AtomicLong();
    private final LaneOrder order = new LaneOrder(AGING, 1, now::get);

    private static NativeJob job(String conversation, Priority priority) {
        GenerationRequest request = new GenerationRequest(conversation, new Transcript("system", List.of(),
                List.of(ChatMessage.user("hi"))), Sampling.greedy(4), null, null, priority);
        return new NativeJob(request, new int[] {1, 2}, 0, TokenListener.NONE, 0);
    }

    private static NativeJob paused(String conversation, int times) {
        NativeJob job = job(conversation, Priority.BATCH);
        job.parked = KvSnapshot.of(conversation, new int[] {1}, new Memory(1));
        job.preemptions = times;
        return job;
    }

    @Test
    void interactiveJobsGoFirstThenBatchJobsInArrivalOrder() {
        NativeJob batch1 = job("b1", Priority.BATCH);
        NativeJob chat = job("c", Priority.INTERACTIVE);
        NativeJob batch2 = job("b2", Priority.BATCH);

        assertThat(order.order(List.of(batch1, chat, batch2))).containsExactly(chat, batch1, batch2);
    }

    @Test
    void aBatchLaneThatWaitedPastItsAgingPutsItsFirstJobFirst() {
        NativeJob batch = job("b", Priority.BATCH);
        NativeJob chat = job("c", Priority.INTERACTIVE);
        order.order(List.of(batch, chat));

        now.addAndGet(AGING);

        assertThat(order.order(List.of(batch, chat))).containsExactly(batch, chat);
        order.admitted(batch);
        assertThat(order.order(List.of(job("b2", Priority.BATCH), chat)).get(0)).isSameAs(chat);
    }

    @Test
    void aJobPausedAsOftenAsItsBoundAllowsGoesAheadOfInteractiveJobs() {
        NativeJob chat = job("c", Priority.INTERACTIVE);
        NativeJob spent = paused("spent", 1);
        NativeJob batch = job("b", Priority.BATCH);

        assertThat(order.order(List.of(chat, batch, spent))).containsExactly(spent, chat, batch);
    }

    @Test
    void aJobThatMayStillBePausedWaitsBehindInteractiveJobs() {
        LaneOrder twice = new LaneOrder(AGING, 2, now::get);
        NativeJob chat = job("c", Priority.INTERACTIVE);
        NativeJob pausedOnce = paused("once", 1);

        assertThat(twice.order(List.of(pausedOnce, chat))).containsExactly(chat, pausedOnce);
    }
}
