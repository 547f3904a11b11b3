package dev.parley.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.client.ParleyTimeoutException;
import dev.parley.schemas.Chunk;
import dev.parley.schemas.Reply;
import dev.parley.schemas.ReplyStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PendingRepliesTest {

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final PendingReplies pending = new PendingReplies(timer);

    @AfterEach
    void stop() {
        timer.shutdownNow();
    }

    private static Reply reply(String requestId) {
        return new Reply(requestId, "c", ReplyStatus.OK, "hi", null, null, null, 1, 0, null, null, null, null);
    }

    @Test
    void chunksPassOnceInOrderAndANewAttemptStartsOver() {
        List<String> seen = new ArrayList<>();
        pending.register("r", "c", Duration.ofMinutes(1), chunk -> seen.add(chunk.attempt() + ":" + chunk.seq() + ":" + chunk.delta()));

        pending.chunk(Chunk.of("r", "c", 0, 1, "a", null));
        pending.chunk(Chunk.of("r", "c", 0, 1, "a", null));   // duplicate
        pending.chunk(Chunk.of("r", "c", 1, 1, "b", null));
        pending.chunk(Chunk.of("r", "c", 0, 2, "x", null));   // retried generation
        pending.chunk(Chunk.of("r", "c", 2, 1, "late", null)); // superseded attempt

        assertThat(seen).containsExactly("1:0:a", "1:1:b", "2:0:x");
        assertThat(pending.chunk(Chunk.of("other", "c", 0, 1, "x", null))).isFalse();
    }

    @Test
    void secondReplyIsCountedAsDuplicateAndForeignRepliesAsUnmatched() {
        var future = pending.register("r", "c", Duration.ofMinutes(1));

        assertThat(pending.complete(reply("r"))).isTrue();
        assertThat(pending.complete(reply("r"))).isFalse();
        assertThat(pending.complete(reply("someone-else"))).isFalse();

        assertThat(future).isCompleted();
        assertThat(pending.duplicatesDropped()).isEqualTo(1);
        assertThat(pending.unmatched()).isEqualTo(1);
    }

    @Test
    void theSameIdRegisteredTwiceSharesOneReply() {
        var first = pending.register("r", "c", Duration.ofMinutes(1));
        var second = pending.register("r", "c", Duration.ofMinutes(1));

        pending.complete(reply("r"));

        assertThat(first.join()).isSameAs(second.join());
    }

    @Test
    void timeoutFailsAndForgetsTheRequest() {
        var future = pending.register("r", "c", Duration.ofMillis(50));

        assertThat(future).failsWithin(Duration.ofSeconds(5)).withThrowableOfType(java.util.concurrent.ExecutionException.class)
                .withCauseInstanceOf(ParleyTimeoutException.class);
        assertThat(pending.size()).isZero();
    }
}
