package dev.parley.worker.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.schemas.Prompt;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class DispatcherTest {

    private static final TopicPartition P0 = new TopicPartition("prompts", 0);
    private static final TopicPartition P1 = new TopicPartition("prompts", 1);

    private final RecordingExecutor executor = new RecordingExecutor();
    private final List<String> started = new ArrayList<>();
    private long offset;

    private Dispatcher dispatcher(int maxInFlight) {
        return new Dispatcher(maxInFlight, executor, turn -> started.add(turn.prompt().requestId()));
    }

    private PendingTurn turn(TopicPartition partition, String conversation, String request) {
        return new PendingTurn(partition, offset++, Prompt.of(request, conversation, "hi"), 0);
    }

    @Test
    void turnsOfOneConversationRunOneAtATimeInOrder() {
        Dispatcher dispatcher = dispatcher(4);
        dispatcher.enqueue(turn(P0, "a", "a1"));
        dispatcher.enqueue(turn(P0, "a", "a2"));
        dispatcher.enqueue(turn(P0, "a", "a3"));

        assertThat(executor.pending()).as("only the head of a conversation runs").isEqualTo(1);
        executor.runNext();
        assertThat(executor.pending()).isEqualTo(1);
        executor.runNext();
        executor.runNext();

        assertThat(started).containsExactly("a1", "a2", "a3");
        assertThat(dispatcher.queued()).isZero();
        assertThat(dispatcher.inFlight()).isZero();
    }

    @Test
    void conversationsOfOnePartitionRunConcurrentlyUpToTheLimit() {
        Dispatcher dispatcher = dispatcher(2);
        dispatcher.enqueue(turn(P0, "a", "a1"));
        dispatcher.enqueue(turn(P0, "b", "b1"));
        dispatcher.enqueue(turn(P0, "c", "c1"));

        assertThat(dispatcher.inFlight()).isEqualTo(2);
        assertThat(dispatcher.queued()).isEqualTo(1);
        assertThat(executor.pending()).isEqualTo(2);
    }

    @Test
    void aFreePlaceGoesToTheConversationThatWaitedLongest() {
        Dispatcher dispatcher = dispatcher(1);
        dispatcher.enqueue(turn(P0, "a", "a1"));   // runs
        dispatcher.enqueue(turn(P0, "a", "a2"));   // waits behind a1
        dispatcher.enqueue(turn(P1, "b", "b1"));   // waits, arrived after a2
        dispatcher.enqueue(turn(P0, "c", "c1"));   // waits, arrived last

        executor.runNext(); // a1 done: a2 waited longest
        executor.runNext(); // a2 done: b1 next, not c1, and not a again
        executor.runNext();
        executor.runNext();

        assertThat(started).containsExactly("a1", "a2", "b1", "c1");
    }

    @Test
    void fairnessDoesNotLetABusyConversationStarveOthers() {
        Dispatcher dispatcher = dispatcher(1);
        dispatcher.enqueue(turn(P0, "a", "a1"));
        dispatcher.enqueue(turn(P0, "b", "b1"));
        executor.runNext();                         // a1 done, b1 starts
        dispatcher.enqueue(turn(P0, "a", "a2"));    // a is back, behind b1
        dispatcher.enqueue(turn(P0, "c", "c1"));
        executor.runNext();                         // b1 done: a2 (waited longer than c1)
        executor.runNext();
        executor.runNext();

        assertThat(started).containsExactly("a1", "b1", "a2", "c1");
    }

    @Test
    void revocationDropsQueuedTurnsOfThosePartitionsOnly() {
        Dispatcher dispatcher = dispatcher(1);
        dispatcher.enqueue(turn(P0, "a", "a1"));   // running
        dispatcher.enqueue(turn(P0, "a", "a2"));
        dispatcher.enqueue(turn(P0, "b", "b1"));
        dispatcher.enqueue(turn(P1, "c", "c1"));

        List<PendingTurn> dropped = dispatcher.dropQueued(Set.of(P0));

        assertThat(dropped).extracting(t -> t.prompt().requestId()).containsExactlyInAnyOrder("a2", "b1");
        assertThat(dispatcher.inFlight(Set.of(P0))).isEqualTo(1);
        assertThat(dispatcher.queued()).isEqualTo(1);
        executor.runNext();
        executor.runNext();
        assertThat(started).containsExactly("a1", "c1");
        assertThat(dispatcher.queued()).isZero();
    }

    @Test
    void theTurnsRunningAreNamedByConversationAndRequest() {
        Dispatcher dispatcher = dispatcher(4);
        dispatcher.enqueue(turn(P0, "a", "a1"));
        dispatcher.enqueue(turn(P0, "a", "a2"));   // queued behind a1: not running
        dispatcher.enqueue(turn(P1, "b", "b1"));

        assertThat(Dispatcher.describe(dispatcher.running(Set.of(P0)))).isEqualTo("a/a1@prompts-0:0");
        assertThat(dispatcher.running()).extracting(turn -> turn.prompt().requestId())
                .containsExactlyInAnyOrder("a1", "b1");
        executor.runNext();
        assertThat(Dispatcher.describe(dispatcher.running(Set.of(P0)))).isEqualTo("a/a2@prompts-0:1");
    }

    @Test
    void aLongListOfRunningTurnsNamesTheFirstTwentyAndCountsTheRest() {
        Dispatcher dispatcher = dispatcher(25);
        for (int i = 0; i < 25; i++) {
            dispatcher.enqueue(turn(P0, "c" + i, "r" + i));
        }

        String described = Dispatcher.describe(dispatcher.running());

        assertThat(described.split(", ")).hasSize(20);
        assertThat(described).endsWith(" and 5 more");
    }

    @Test
    void afterStopStartingNothingNewRuns() {
        Dispatcher dispatcher = dispatcher(1);
        dispatcher.enqueue(turn(P0, "a", "a1"));
        dispatcher.enqueue(turn(P0, "b", "b1"));
        dispatcher.stopStarting();

        executor.runNext();

        assertThat(started).containsExactly("a1");
        assertThat(executor.pending()).isZero();
        assertThat(dispatcher.queued()).isEqualTo(1);
    }

    @Test
    void aFailingTurnStillFreesItsConversation() {
        Dispatcher dispatcher = new Dispatcher(1, executor, turn -> {
            started.add(turn.prompt().requestId());
            if (turn.prompt().requestId().equals("a1")) {
                throw new IllegalStateException("boom");
            }
        });
        dispatcher.enqueue(turn(P0, "a", "a1"));
        dispatcher.enqueue(turn(P0, "a", "a2"));

        executor.runNext();
        executor.runNext();

        assertThat(started).containsExactly("a1", "a2");
    }
}
