package dev.parley.worker.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.schemas.Priority;
import dev.parley.schemas.Prompt;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** The lane policy of the dispatcher, driven without threads and with a settable clock. */
class LaneDispatchTest {

    private static final TopicPartition P0 = new TopicPartition("prompts", 0);
    private static final Duration AGING = Duration.ofSeconds(30);

    private final RecordingExecutor executor = new RecordingExecutor();
    private final List<String> started = new ArrayList<>();
    private long nowNanos;
    private long offset;

    private Dispatcher dispatcher(int maxInFlight, int reserve) {
        return new Dispatcher(maxInFlight, new LanePolicy(AGING, reserve), () -> nowNanos, executor,
                turn -> started.add(turn.prompt().requestId()));
    }

    private PendingTurn turn(String conversation, String request, Priority priority) {
        return new PendingTurn(P0, offset++, Prompt.of(request, conversation, "hi").withPriority(priority), 0);
    }

    private void advance(Duration duration) {
        nowNanos += duration.toNanos();
    }

    @Test
    void interactiveTurnsOvertakeQueuedBatchTurns() {
        Dispatcher dispatcher = dispatcher(1, 0);
        dispatcher.enqueue(turn("b1", "b1", Priority.BATCH));       // runs
        dispatcher.enqueue(turn("b2", "b2", Priority.BATCH));
        dispatcher.enqueue(turn("b3", "b3", Priority.BATCH));
        dispatcher.enqueue(turn("i1", "i1", Priority.INTERACTIVE)); // arrives last, runs next
        dispatcher.enqueue(turn("i2", "i2", Priority.INTERACTIVE));

        assertThat(dispatcher.ready(Priority.BATCH)).isEqualTo(2);
        assertThat(dispatcher.ready(Priority.INTERACTIVE)).isEqualTo(2);
        for (int i = 0; i < 5; i++) {
            executor.runNext();
        }

        assertThat(started).containsExactly("b1", "i1", "i2", "b2", "b3");
        assertThat(dispatcher.agedBatchStarts()).isZero();
    }

    @Test
    void aConversationsTurnsStayInOrderWhateverTheirPriorities() {
        Dispatcher dispatcher = dispatcher(1, 0);
        dispatcher.enqueue(turn("x", "x0", Priority.INTERACTIVE));   // runs
        dispatcher.enqueue(turn("c", "c1", Priority.BATCH));
        dispatcher.enqueue(turn("c", "c2", Priority.INTERACTIVE));  // behind c1 in its conversation
        dispatcher.enqueue(turn("d", "d1", Priority.INTERACTIVE));

        for (int i = 0; i < 4; i++) {
            executor.runNext();
        }

        // c2 is interactive but its conversation's head c1 is batch: d1 goes first, then c1, then c2
        assertThat(started).containsExactly("x0", "d1", "c1", "c2");
    }

    @Test
    void theBatchLaneIsServedWithinItsAgingBoundWhileInteractiveTrafficKeepsComing() {
        Dispatcher dispatcher = dispatcher(1, 0);
        dispatcher.enqueue(turn("i0", "i0", Priority.INTERACTIVE)); // runs
        dispatcher.enqueue(turn("b1", "b1", Priority.BATCH));       // the batch lane starts waiting at t = 0
        dispatcher.enqueue(turn("b2", "b2", Priority.BATCH));
        // An interactive turn arrives every 10 s, and each turn takes 10 s: interactive traffic alone would keep the
        // one place busy for ever.
        for (int i = 1; i <= 8; i++) {
            dispatcher.enqueue(turn("i" + i, "i" + i, Priority.INTERACTIVE));
            advance(Duration.ofSeconds(10));
            executor.runNext();
        }

        // At t = 30 s the lane has waited its bound: b1 takes the place that frees, and 30 s later b2.
        assertThat(started).containsExactly("i0", "i1", "i2", "b1", "i3", "i4", "b2", "i5");
        assertThat(dispatcher.agedBatchStarts()).isEqualTo(2);
    }

    @Test
    void aBatchFloodDoesNotAgeAheadOfInteractiveTurnsAllAtOnce() {
        Dispatcher dispatcher = dispatcher(1, 0);
        for (int i = 0; i < 20; i++) {
            dispatcher.enqueue(turn("b" + i, "b" + i, Priority.BATCH));
        }
        advance(Duration.ofMinutes(10)); // every batch turn has waited far past the bound
        dispatcher.enqueue(turn("i1", "i1", Priority.INTERACTIVE));
        dispatcher.enqueue(turn("i2", "i2", Priority.INTERACTIVE));

        executor.runNext(); // b0 done: the lane had waited, b1 goes first once, then the interactive turns
        for (int i = 0; i < 4; i++) {
            executor.runNext();
        }

        assertThat(started).containsExactly("b0", "b1", "i1", "i2", "b2");
    }

    @Test
    void batchTurnsLeaveTheReserveToInteractiveOnes() {
        Dispatcher dispatcher = dispatcher(2, 2);
        for (int i = 0; i < 4; i++) {
            dispatcher.enqueue(turn("b" + i, "b" + i, Priority.BATCH));
        }
        assertThat(dispatcher.inFlight()).as("batch turns take maxInFlight places only").isEqualTo(2);

        dispatcher.enqueue(turn("i1", "i1", Priority.INTERACTIVE));
        dispatcher.enqueue(turn("i2", "i2", Priority.INTERACTIVE));
        dispatcher.enqueue(turn("i3", "i3", Priority.INTERACTIVE));

        assertThat(dispatcher.inFlight()).as("interactive turns take the reserve").isEqualTo(4);
        assertThat(started).isEmpty(); // nothing ran yet: the executor only records
        assertThat(dispatcher.ready(Priority.INTERACTIVE)).isEqualTo(1);
        assertThat(dispatcher.ready(Priority.BATCH)).isEqualTo(2);
    }
}
