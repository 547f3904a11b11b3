package dev.parley.client.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.client.ParleyException;
import dev.parley.client.ParleyRateLimitedException;
import dev.parley.client.ParleyTimeoutException;
import dev.parley.schemas.ErrorInfo;
import dev.parley.schemas.Chunk;
import dev.parley.schemas.Reply;
import dev.parley.schemas.ReplyStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;
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
        return Reply.builder().requestId(requestId).conversationId("c").status(ReplyStatus.OK).content("hi").turn(1)
                .droppedTurns(0).build();
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
    void aRateLimitedReplyFailsTheRequestWithItsRetryAfter() {
        var future = pending.register("r", "c", Duration.ofMinutes(1));
        Reply limited = Reply.builder().requestId("r").conversationId("c").status(ReplyStatus.RATE_LIMITED)
                .worker("w1").error(new ErrorInfo("rate_limited", "tenant acme is over its completion token quota",
                        1500L)).build();

        assertThat(pending.complete(limited)).isTrue();

        assertThat(future).isCompletedExceptionally();
        assertThatThrownBy(future::join).cause().isInstanceOfSatisfying(ParleyRateLimitedException.class, e -> {
            assertThat(e.retryAfter()).isEqualTo(Duration.ofMillis(1500));
            assertThat(e.reply()).isEqualTo(limited);
            assertThat(e.getMessage()).contains("request r").contains("tenant acme");
        });
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

    @Test
    void aBlockedChunkSinkHoldsUpOnlyItsOwnRequestAndItsFutureWaitsForItsChunks() throws Exception {
        try (ChunkDelivery delivery = ChunkDelivery.start(2, "test-delivery")) {
            PendingReplies lanes = new PendingReplies(timer, delivery);
            CountDownLatch release = new CountDownLatch(1);
            List<String> slowSeen = new CopyOnWriteArrayList<>();
            List<String> quickSeen = new CopyOnWriteArrayList<>();
            var slow = lanes.register("slow", "c1", Duration.ofMinutes(1), chunk -> {
                awaitQuietly(release);
                slowSeen.add(chunk.delta());
            });
            var quick = lanes.register("quick", "c2", Duration.ofMinutes(1), chunk -> quickSeen.add(chunk.delta()));
            var plain = lanes.register("plain", "c3", Duration.ofMinutes(1));

            lanes.chunk(Chunk.of("slow", "c1", 0, 1, "s0", null));
            lanes.chunk(Chunk.of("slow", "c1", 1, 1, "s1", null));
            lanes.complete(reply("slow"));
            lanes.chunk(Chunk.of("quick", "c2", 0, 1, "q0", null));
            lanes.chunk(Chunk.of("quick", "c2", 1, 1, "q1", null));
            lanes.complete(reply("quick"));
            lanes.complete(reply("plain"));

            quick.join();
            plain.join();
            assertThat(quickSeen).containsExactly("q0", "q1");
            assertThat(slow).isNotDone();
            assertThat(slowSeen).isEmpty();

            release.countDown();
            slow.join();
            assertThat(slowSeen).as("all chunks handed over before the future completes, in order")
                    .containsExactly("s0", "s1");
        }
    }

    @Test
    void aStreamedFutureTimesOutAndFailsOnCloseWhileItsChunkCallbackBlocksForever() throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        try (ChunkDelivery delivery = ChunkDelivery.start(1, "test-delivery")) {
            PendingReplies lanes = new PendingReplies(timer, delivery);
            List<String> seen = new CopyOnWriteArrayList<>();
            Consumer<Chunk> stuck = chunk -> {
                seen.add(chunk.delta());
                awaitQuietly(never);
            };
            var timesOut = lanes.register("times-out", "c1", Duration.ofMillis(200), stuck);
            lanes.chunk(Chunk.of("times-out", "c1", 0, 1, "t0", null));
            lanes.chunk(Chunk.of("times-out", "c1", 1, 1, "t1", null));
            lanes.complete(reply("times-out"));

            assertThat(timesOut).as("its timeout does not wait behind the blocked callback")
                    .failsWithin(Duration.ofSeconds(60)).withThrowableOfType(ExecutionException.class)
                    .withCauseInstanceOf(ParleyTimeoutException.class);

            // A second stream, on a lane of its own but no free thread: the client closing fails it all the same.
            var closing = lanes.register("closing", "c2", Duration.ofHours(1), stuck);
            lanes.chunk(Chunk.of("closing", "c2", 0, 1, "c0", null));
            lanes.failAll("client closed");
            assertThat(closing).failsWithin(Duration.ofSeconds(60)).withThrowableOfType(ExecutionException.class)
                    .withCauseInstanceOf(ParleyException.class).withMessageContaining("client closed");
            assertThat(lanes.size()).isZero();

            never.countDown();
            var after = lanes.register("after", "c3", Duration.ofMinutes(1), chunk -> seen.add(chunk.delta()));
            lanes.chunk(Chunk.of("after", "c3", 0, 1, "a0", null));
            lanes.complete(reply("after"));
            after.join(); // one delivery thread: the cancelled lanes have run out before this
            assertThat(seen).as("chunks queued behind a failed request are dropped, not handed over")
                    .containsExactly("t0", "a0");
        } finally {
            never.countDown();
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
