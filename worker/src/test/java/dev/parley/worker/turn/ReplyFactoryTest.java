package dev.parley.worker.turn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.schemas.FinishReason;
import dev.parley.schemas.Prompt;
import dev.parley.schemas.Reply;
import dev.parley.worker.dispatch.PendingTurn;
import dev.parley.worker.engine.Generation;
import dev.parley.worker.engine.KvTier;
import java.util.Optional;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** A reply's timings: waiting for a slot, in the worker's queue or the engine's, is queueing, not time to first token. */
class ReplyFactoryTest {

    private static final long MS = 1_000_000;

    @Test
    void timeAPreparedTurnWaitedInTheEngineForASlotCountsAsQueued() {
        long turnStart = System.nanoTime();
        PendingTurn turn = new PendingTurn(new TopicPartition("prompts", 0), 1, Prompt.of("r1", "c", "hi"),
                turnStart - 100 * MS);
        // 900 ms from the request to the first token, 600 of them waiting for a sequence
        Generation generation = new Generation("hello", FinishReason.STOP, 10, 4, 4, 2, 0, 900 * MS, 1200 * MS,
                KvTier.SNAPSHOT, 0, 0, 600 * MS);

        Reply reply = new ReplyFactory("m", "w").ok(turn, 1, generation, Optional.empty(), turnStart);

        assertThat(reply.timings().queuedMs()).isEqualTo(700);
        assertThat(reply.timings().firstTokenMs()).isEqualTo(300);
        assertThat(reply.timings().totalMs()).isGreaterThanOrEqualTo(100);
    }

    @Test
    void anEngineThatQueuesNothingReportsItsTimeToFirstTokenAsBefore() {
        long turnStart = System.nanoTime();
        PendingTurn turn = new PendingTurn(new TopicPartition("prompts", 0), 1, Prompt.of("r1", "c", "hi"),
                turnStart - 100 * MS);
        Generation generation = new Generation("hello", FinishReason.STOP, 10, 0, 0, 2, 0, 900 * MS, 1200 * MS,
                KvTier.PREFILL);

        Reply reply = new ReplyFactory("m", "w").ok(turn, 1, generation, Optional.empty(), turnStart);

        assertThat(reply.timings().queuedMs()).isEqualTo(100);
        assertThat(reply.timings().firstTokenMs()).isEqualTo(900);
    }
}
