package dev.parley.client.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.client.ParleyException;
import dev.parley.client.ParleyUnreachableException;
import dev.parley.schemas.Reply;
import dev.parley.schemas.ReplyStatus;
import dev.parley.schemas.codec.WireJson;
import dev.parley.schemas.retry.Backoff;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The listener's rounds on Kafka's MockConsumer, driven from the test thread with a settable clock: failures are
 * survived, counted and backed off, and a run of them longer than the outage timeout fails waiting requests.
 */
class ReplyListenerTest {

    private static final String TOPIC = "replies";
    private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);
    private static final Duration OUTAGE_TIMEOUT = Duration.ofSeconds(30);
    private static final Instant START = Instant.parse("2026-12-02T10:00:00Z");

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final PendingReplies pending = new PendingReplies(timer);
    private final MockConsumer<String, byte[]> consumer = new MockConsumer<>("latest");
    private final AtomicLong nanos = new AtomicLong();
    private final ReplyListener listener = new ReplyListener(consumer, TOPIC, pending, OUTAGE_TIMEOUT,
            new Backoff(Duration.ofMillis(100), Duration.ofSeconds(2)), nanos::get,
            Clock.fixed(START, ZoneOffset.UTC));
    private long nextOffset;

    /** An Error of the kind nothing should catch (an OutOfMemoryError would end the test JVM). */
    private static final class InjectedFault extends Error {
        private static final long serialVersionUID = 1L;

        InjectedFault() {
            super("injected fault");
        }
    }

    @BeforeEach
    void assign() {
        Node node = new Node(0, "localhost", 9092);
        consumer.updatePartitions(TOPIC, List.of(new PartitionInfo(TOPIC, 0, node, new Node[]{node}, new Node[]{node})));
        consumer.updateEndOffsets(Map.of(P0, 0L));
        listener.assignFromEnd(Duration.ofSeconds(1));
    }

    @AfterEach
    void stop() {
        listener.close();
        timer.shutdownNow();
    }

    private CompletableFuture<Reply> await(String requestId) {
        return pending.register(requestId, "c", Duration.ofHours(1));
    }

    private void replyArrives(String requestId) {
        Reply reply = Reply.builder().requestId(requestId).conversationId("c").status(ReplyStatus.OK).content("hi")
                .turn(1).droppedTurns(0).build();
        consumer.addRecord(new ConsumerRecord<>(TOPIC, 0, nextOffset++, "c", WireJson.toBytes(reply)));
    }

    private void advance(Duration by) {
        nanos.addAndGet(by.toNanos());
    }

    @Test
    void aFailedPollIsCountedBackedOffAndTheNextRoundStillDeliversReplies() {
        CompletableFuture<Reply> reply = await("r1");
        consumer.setPollException(new KafkaException("metadata timeout"));

        Duration pause = listener.round();

        assertThat(pause).isPositive();
        assertThat(listener.retries()).isEqualTo(1);
        assertThat(reply).isNotDone();

        replyArrives("r1");
        assertThat(listener.round()).isZero();
        assertThat(reply).isCompletedWithValueMatching(r -> r.requestId().equals("r1"));
        assertThat(listener.retries()).isEqualTo(1);
    }

    @Test
    void pausesGrowWithEachFailureInARowUpToTheCap() {
        await("r1");
        Duration previous = Duration.ZERO;
        for (int failure = 1; failure <= 12; failure++) {
            consumer.setPollException(new KafkaException("broker away " + failure));
            Duration pause = listener.round();
            assertThat(pause).isBetween(Duration.ofMillis(100), Duration.ofSeconds(3)); // cap plus its jitter
            if (failure <= 3) {
                assertThat(pause).isGreaterThan(previous); // 100, 200, 400 ms (+ up to half): strictly growing
            }
            previous = pause;
        }
        assertThat(listener.retries()).isEqualTo(12);
    }

    @Test
    void failuresLastingLongerThanTheOutageTimeoutFailWaitingRequestsSayingSinceWhenAndWhy() {
        CompletableFuture<Reply> waiting = await("r1");

        consumer.setPollException(new KafkaException("first failure"));
        listener.round();
        advance(OUTAGE_TIMEOUT);
        consumer.setPollException(new KafkaException("still unreachable"));
        listener.round();
        assertThat(waiting).as("a run of exactly the timeout is not longer than it").isNotDone();

        advance(Duration.ofSeconds(1));
        consumer.setPollException(new KafkaException("still unreachable"));
        listener.round();

        assertThat(waiting).isCompletedExceptionally();
        Throwable failure = waiting.handle((r, e) -> e).join();
        assertThat(failure).isInstanceOf(ParleyUnreachableException.class)
                .hasMessageContaining("request r1").hasMessageContaining("since " + START)
                .hasMessageContaining("PT31S").hasMessageContaining("KafkaException: still unreachable");
        assertThat(((ParleyUnreachableException) failure).since()).isEqualTo(START);
        assertThat(pending.size()).isZero();

        // The listener goes on: a request sent once the broker is back is answered.
        CompletableFuture<Reply> later = await("r2");
        replyArrives("r2");
        listener.round();
        assertThat(later.join().requestId()).isEqualTo("r2");
    }

    @Test
    void whileRequestsWaitWithoutRepliesTheBrokerIsAskedAndItsSilenceCountsAsAFailure() {
        CompletableFuture<Reply> waiting = await("r1");
        listener.round();
        assertThat(listener.retries()).as("not asked before the probe is due").isZero();

        advance(Duration.ofSeconds(6));
        consumer.setOffsetsException(new TimeoutException("end offsets not answered in 5000ms"));
        assertThat(listener.round()).isPositive();
        assertThat(listener.retries()).isEqualTo(1);

        // Answered on the next attempt: the run of failures ends, so a later failure starts a new one.
        assertThat(listener.round()).isZero();
        advance(OUTAGE_TIMEOUT.plusSeconds(5));
        consumer.setPollException(new KafkaException("a blip"));
        listener.round();
        assertThat(waiting).isNotDone();
        assertThat(listener.retries()).isEqualTo(2);
    }

    @Test
    void anIdleClientDoesNotAskTheBroker() {
        advance(Duration.ofMinutes(10));
        consumer.setOffsetsException(new TimeoutException("would fail if asked"));

        assertThat(listener.round()).isZero();
        assertThat(listener.retries()).isZero();
    }

    @Test
    void requestsWaitingWhenTheBrokerIsBackAreAnswered() {
        CompletableFuture<Reply> waiting = await("r1");
        for (int i = 0; i < 5; i++) {
            consumer.setPollException(new KafkaException("away"));
            listener.round();
            advance(Duration.ofSeconds(5));
        }

        replyArrives("r1");
        listener.round();

        assertThat(waiting.join().requestId()).isEqualTo("r1");
        assertThat(listener.retries()).isEqualTo(5);
    }

    @Test
    void anErrorEndsTheThreadAndFailsWaitingRequestsInsteadOfLeavingThemHanging() {
        CompletableFuture<Reply> waiting = await("r1");
        consumer.schedulePollTask(() -> {
            throw new InjectedFault();
        });

        listener.startThread("test-replies");

        assertThatThrownBy(waiting::join).isInstanceOf(CompletionException.class).cause()
                .isInstanceOf(ParleyException.class).hasMessageContaining("request r1")
                .hasMessageContaining("reply listener died").hasMessageContaining("injected fault");
        long since = System.nanoTime();
        while (listener.isAlive() && System.nanoTime() - since < 10_000_000_000L) {
            java.util.concurrent.locks.LockSupport.parkNanos(5_000_000); // it fails the futures just before it ends
        }
        assertThat(listener.isAlive()).isFalse();
        assertThat(listener.health().healthy()).isFalse();
    }

    @Test
    void anOutOfMemoryErrorThatNoRecordExplainsEndsTheListenerAfterAFewInARow() {
        ReplyListener scanning = new ReplyListener(consumer, () -> {
            MockConsumer<String, byte[]> scanReader = new MockConsumer<>("none");
            scanReader.updateEndOffsets(Map.of(P0, 0L)); // nothing to read: no record to blame
            return scanReader;
        }, TOPIC, pending, OUTAGE_TIMEOUT,
                new Backoff(Duration.ofMillis(100), Duration.ofSeconds(2)), nanos::get,
                Clock.fixed(START, ZoneOffset.UTC), Duration.ofSeconds(10));
        scanning.assignFromEnd(Duration.ofSeconds(1));
        for (int i = 0; i < ReplyListener.MAX_UNEXPLAINED_ERRORS; i++) {
            consumer.schedulePollTask(() -> {
                throw new OutOfMemoryError("injected: the heap is full");
            });
        }

        for (int i = 1; i < ReplyListener.MAX_UNEXPLAINED_ERRORS; i++) {
            assertThat(scanning.round()).as("no bad record found: a failure, backed off").isPositive();
        }
        assertThatThrownBy(scanning::round).isInstanceOf(OutOfMemoryError.class);
        assertThat(scanning.health().unreadableReplies()).isZero();
    }

    @Test
    void aLostPositionGoesBackToTheRepliesWrittenSinceShortlyBeforeTheLastOneRead() {
        LostOffsetsConsumer lossy = new LostOffsetsConsumer();
        ReplyListener resetting = new ReplyListener(lossy, TOPIC, pending, OUTAGE_TIMEOUT,
                new Backoff(Duration.ofMillis(100), Duration.ofSeconds(2)), nanos::get, Clock.fixed(START, ZoneOffset.UTC));
        Node node = new Node(0, "localhost", 9092);
        lossy.updatePartitions(TOPIC, List.of(new PartitionInfo(TOPIC, 0, node, new Node[]{node}, new Node[]{node})));
        lossy.updateEndOffsets(Map.of(P0, 0L));
        resetting.assignFromEnd(Duration.ofSeconds(1));
        long lastReadAt = START.plusSeconds(300).toEpochMilli();
        lossy.addRecord(replyRecord("r0", 0, lastReadAt));
        resetting.round();

        CompletableFuture<Reply> missed = await("r1");
        lossy.setPollException(new OffsetOutOfRangeException("fetch position out of range", Map.of(P0, 1L)));
        lossy.firstSince = 7L;

        assertThat(resetting.round()).as("handled, not a failure to back off from").isZero();
        assertThat(lossy.asked).containsEntry(P0, lastReadAt - Duration.ofSeconds(60).toMillis());
        assertThat(lossy.position(P0)).isEqualTo(7L);
        assertThat(resetting.health().offsetResets()).isEqualTo(1);
        assertThat(resetting.retries()).isZero();

        lossy.addRecord(replyRecord("r1", 7, lastReadAt + 1000));
        resetting.round();
        assertThat(missed.join().requestId()).isEqualTo("r1");
        resetting.close();
    }

    @Test
    void closeFromAReplyCallbackOnTheListenersOwnThreadDoesNotWaitForItself() throws Exception {
        MockConsumer<String, byte[]> own = new MockConsumer<>("none");
        Node node = new Node(0, "localhost", 9092);
        own.updatePartitions(TOPIC, List.of(new PartitionInfo(TOPIC, 0, node, new Node[]{node}, new Node[]{node})));
        own.updateEndOffsets(Map.of(P0, 0L));
        ReplyListener patient = new ReplyListener(own, () -> own, TOPIC, pending, OUTAGE_TIMEOUT,
                new Backoff(Duration.ofMillis(100), Duration.ofSeconds(2)), nanos::get,
                Clock.fixed(START, ZoneOffset.UTC), Duration.ofHours(1));
        patient.assignFromEnd(Duration.ofSeconds(1));
        CountDownLatch closeReturned = new CountDownLatch(1);
        await("r1").thenRun(() -> {
            patient.close(); // on the listener's thread: waiting for it to end would wait the full hour
            closeReturned.countDown();
        });
        own.addRecord(replyRecord("r1", 0, START.toEpochMilli()));

        patient.startThread("test-replies");

        assertThat(closeReturned.await(60, TimeUnit.SECONDS)).as("close() returned on the listener's thread").isTrue();
        long since = System.nanoTime();
        while (patient.isAlive() && System.nanoTime() - since < 60_000_000_000L) {
            java.util.concurrent.locks.LockSupport.parkNanos(5_000_000);
        }
        assertThat(patient.isAlive()).as("the loop ended once the callback returned").isFalse();
    }

    private static ConsumerRecord<String, byte[]> replyRecord(String requestId, long offset, long timestamp) {
        Reply reply = Reply.builder().requestId(requestId).conversationId("c").status(ReplyStatus.OK).content("hi")
                .turn(1).droppedTurns(0).build();
        return new ConsumerRecord<>(TOPIC, 0, offset, timestamp, TimestampType.CREATE_TIME, 1, 1, "c",
                WireJson.toBytes(reply), new RecordHeaders(), Optional.empty());
    }

    /** MockConsumer has no offsetsForTimes: this one answers {@link #firstSince} and records what it was asked. */
    private static final class LostOffsetsConsumer extends MockConsumer<String, byte[]> {
        final Map<TopicPartition, Long> asked = new java.util.HashMap<>();
        long firstSince;

        LostOffsetsConsumer() {
            super("none");
        }

        @Override
        public synchronized Map<TopicPartition, OffsetAndTimestamp> offsetsForTimes(
                Map<TopicPartition, Long> timestamps, Duration timeout) {
            asked.putAll(timestamps);
            Map<TopicPartition, OffsetAndTimestamp> found = new java.util.HashMap<>();
            timestamps.forEach((partition, ts) -> found.put(partition, new OffsetAndTimestamp(firstSince, ts)));
            return found;
        }
    }
}
