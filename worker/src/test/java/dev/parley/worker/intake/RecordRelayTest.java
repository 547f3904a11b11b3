package dev.parley.worker.intake;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.worker.metrics.WorkerMetrics;
import dev.parley.schemas.retry.Backoff;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;

/** Relayed records on a fake clock: retried with backoff while the broker is away, shrunk once, then given up. */
class RecordRelayTest {

    private static final TopicPartition P0 = new TopicPartition("prompts", 0);

    private final AtomicLong now = new AtomicLong();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final List<Long> done = new ArrayList<>();
    private final List<Long> givenUp = new ArrayList<>();
    private final RecordRelay relay = new RecordRelay("dead_letters", new Backoff(Duration.ofMillis(100),
            Duration.ofSeconds(5)), new WorkerMetrics(registry), new RecordRelay.Outcome() {
                @Override
                public void done(TopicPartition partition, long offset) {
                    done.add(offset);
                }

                @Override
                public void givenUp(TopicPartition partition, long offset, Throwable error) {
                    givenUp.add(offset);
                }
            }, now::get);

    /** A send that fails with the given errors, in order, then succeeds; counts its attempts. */
    private static class ScriptedSend implements RecordRelay.Send {
        final List<RuntimeException> failures;
        final RecordRelay.Send fallback;
        int attempts;

        ScriptedSend(RecordRelay.Send fallback, RuntimeException... failures) {
            this.failures = new ArrayList<>(List.of(failures));
            this.fallback = fallback;
        }

        @Override
        public CompletableFuture<?> attempt() {
            attempts++;
            return failures.isEmpty() ? CompletableFuture.completedFuture(null)
                    : CompletableFuture.failedFuture(failures.remove(0));
        }

        @Override
        public RecordRelay.Send fallback() {
            return fallback;
        }

        @Override
        public String describe() {
            return "scripted send";
        }
    }

    private double retries() {
        var counter = registry.find("parley.retries").tag("loop", "dead_letters").counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void aSendThatBlocksHoldsOnlyTheSenderThreadNotTheCaller() throws Exception {
        java.util.concurrent.ExecutorService sender = java.util.concurrent.Executors.newSingleThreadExecutor();
        java.util.concurrent.CountDownLatch metadataArrives = new java.util.concurrent.CountDownLatch(1);
        List<Long> acked = new java.util.concurrent.CopyOnWriteArrayList<>();
        RecordRelay threaded = new RecordRelay("dead_letters", new Backoff(Duration.ofMillis(100),
                Duration.ofSeconds(5)), new WorkerMetrics(registry), new RecordRelay.Outcome() {
                    @Override
                    public void done(TopicPartition partition, long offset) {
                        acked.add(offset);
                    }

                    @Override
                    public void givenUp(TopicPartition partition, long offset, Throwable error) {
                    }
                }, now::get, sender);
        try {
            // A producer waiting for a missing topic's metadata blocks inside send(): here, until the latch opens.
            threaded.send(P0, 3, new ScriptedSend(null) {
                @Override
                public CompletableFuture<?> attempt() {
                    try {
                        metadataArrives.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return super.attempt();
                }
            });
            assertThat(acked).as("send() returned while the attempt blocks").isEmpty();
            metadataArrives.countDown();
            sender.shutdown();
            assertThat(sender.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            assertThat(acked).containsExactly(3L);
        } finally {
            metadataArrives.countDown();
            sender.shutdownNow();
        }
    }

    @Test
    void aBrokerAwayIsRetriedOnlyAfterItsBackoffAndCounted() {
        ScriptedSend send = new ScriptedSend(null, new TimeoutException("no broker"), new TimeoutException("no broker"));

        relay.send(P0, 7, send);
        relay.retryDue(p -> true);
        assertThat(send.attempts).as("not again before the backoff passed").isEqualTo(1);

        for (int i = 0; i < 100 && done.isEmpty(); i++) {
            now.addAndGet(Duration.ofMillis(50).toNanos());
            relay.retryDue(p -> true);
        }

        assertThat(done).containsExactly(7L);
        assertThat(send.attempts).isEqualTo(3);
        assertThat(retries()).isEqualTo(2);
        assertThat(relay.waiting()).isZero();
    }

    @Test
    void aRecordTooLargeIsShrunkOnceAndThenGivenUp() {
        ScriptedSend shrunk = new ScriptedSend(null, new RecordTooLargeException("still too large"));
        ScriptedSend whole = new ScriptedSend(shrunk, new RecordTooLargeException("too large"));

        relay.send(P0, 9, whole);

        assertThat(whole.attempts).isEqualTo(1);
        assertThat(shrunk.attempts).isEqualTo(1);
        assertThat(givenUp).containsExactly(9L);
        assertThat(done).isEmpty();
        assertThat(relay.waiting()).as("nothing left to spin on").isZero();
    }

    @Test
    void aRetryForARevokedPartitionIsLeftToItsNewOwner() {
        ScriptedSend send = new ScriptedSend(null, new TimeoutException("no broker"));

        relay.send(P0, 3, send);
        now.addAndGet(Duration.ofSeconds(10).toNanos());
        relay.retryDue(p -> false);

        assertThat(send.attempts).isEqualTo(1);
        assertThat(done).isEmpty();
        assertThat(givenUp).isEmpty();
        assertThat(relay.waiting()).isZero();
    }
}
