package dev.parley.worker.intake;

import dev.parley.schemas.validation.PromptDecoder;
import dev.parley.schemas.validation.Rejection;
import dev.parley.worker.dispatch.Dispatcher;
import dev.parley.worker.dispatch.OffsetTracker;
import dev.parley.worker.dispatch.PendingTurn;
import dev.parley.worker.metrics.WorkerMetrics;
import dev.parley.worker.retry.Backoff;
import dev.parley.worker.retry.KafkaErrors;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The poll loop, the only code that touches the consumer. It decodes records, dead-letters the bad ones, forwards
 * misplaced ones to the partition their key belongs to, queues the good ones on the {@link Dispatcher}, learns which
 * records are done through a queue that other threads fill, commits per partition the point below which everything
 * is done, and pauses fetching while too much is buffered (polling goes on, so the group membership never lapses).
 *
 * <p>No failure of one round ends the loop: it is counted, logged and followed by a growing pause. Only an
 * {@link Error} or {@link #stop()} ends it; a health check watches {@link #isAlive()} and {@link #lastPollNanos()}.
 */
public final class PromptIntake implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(PromptIntake.class);
    private static final long DRAIN_WAIT_MS = 20;
    private static final Backoff ROUND_BACKOFF = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(10));
    private static final Backoff SEND_BACKOFF = new Backoff(Duration.ofMillis(200), Duration.ofSeconds(30));

    private record Done(TopicPartition partition, long offset) {
    }

    private final Consumer<String, byte[]> consumer;
    private final PromptDecoder decoder;
    private final DeadLetterPublisher deadLetters;
    private final Dispatcher dispatcher;
    private final WorkerMetrics metrics;
    private final IntakeSettings settings;
    private final RecordRelay relay;
    private final CommitKeeper commits;
    private final KeyPlacement placement;
    private final PromptForwarder forwarder;

    private final LinkedBlockingQueue<Done> completions = new LinkedBlockingQueue<>();
    final Map<TopicPartition, OffsetTracker> trackers = new HashMap<>();
    final Map<TopicPartition, Set<Long>> doneBeforeRestart = new HashMap<>();
    private final Set<TopicPartition> assigned = ConcurrentHashMap.newKeySet();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean running = true;
    private volatile boolean alive = true;
    private volatile int buffered;
    private volatile boolean paused;
    private volatile boolean joined;
    private volatile long lastPollNanos = System.nanoTime();
    private boolean rejoinRebalanced;

    public PromptIntake(Consumer<String, byte[]> consumer, PromptDecoder decoder, DeadLetterPublisher deadLetters,
                        Dispatcher dispatcher, WorkerMetrics metrics, IntakeSettings settings) {
        this(consumer, decoder, deadLetters, dispatcher, metrics, settings, null);
    }

    /**
     * @param forwarder sends misplaced records to their key's partition; {@code null} answers them where they are
     */
    public PromptIntake(Consumer<String, byte[]> consumer, PromptDecoder decoder, DeadLetterPublisher deadLetters,
                        Dispatcher dispatcher, WorkerMetrics metrics, IntakeSettings settings,
                        PromptForwarder forwarder) {
        this.consumer = consumer;
        this.decoder = decoder;
        this.deadLetters = deadLetters;
        this.dispatcher = dispatcher;
        this.metrics = metrics;
        this.settings = settings;
        this.relay = new RecordRelay("dead_letter", SEND_BACKOFF, metrics, new RecordRelay.Outcome() {
            @Override
            public void done(TopicPartition partition, long offset) {
                markDone(partition, offset);
            }

            @Override
            public void givenUp(TopicPartition partition, long offset, Throwable error) {
                metrics.deadLetterDropped(KafkaErrors.unwrap(error).getClass().getSimpleName());
                markDone(partition, offset);
            }
        }, System::nanoTime);
        this.commits = new CommitKeeper(consumer, metrics, settings.commitInterval(), ROUND_BACKOFF, System::nanoTime);
        this.placement = new KeyPlacement(consumer, settings.topic());
        this.forwarder = forwarder;
    }

    /** Reports a record as done; any thread. */
    public void markDone(TopicPartition partition, long offset) {
        completions.add(new Done(partition, offset));
    }

    /** Records read and not yet done. */
    public int buffered() {
        return buffered;
    }

    /** Whether fetching is paused by backpressure. */
    public boolean isPaused() {
        return paused;
    }

    /** Whether the consumer has joined its group (its assignment may be empty). */
    public boolean hasJoinedGroup() {
        return joined;
    }

    /** Partitions this worker owns now. */
    public Set<TopicPartition> assignment() {
        return Set.copyOf(assigned);
    }

    /** Whether the loop still runs (false once stopped, or if it died). */
    public boolean isAlive() {
        return alive;
    }

    /** {@link System#nanoTime()} at the end of the last poll that returned normally. */
    public long lastPollNanos() {
        return lastPollNanos;
    }

    @Override
    public void run() {
        try {
            subscribe();
            int failures = 0;
            while (running) {
                try {
                    pollOnce();
                    failures = 0;
                } catch (WakeupException e) {
                    if (running) {
                        log.warn("Consumer woken up unexpectedly; polling on");
                    }
                } catch (RuntimeException e) {
                    failures++;
                    metrics.retried("poll");
                    Duration pause = ROUND_BACKOFF.delay(failures);
                    if (failures == 1 || failures % 10 == 0) {
                        log.warn("Poll round failed ({} in a row); pausing {}", failures, pause, e);
                    }
                    pauseQuietly(pause);
                }
            }
        } catch (Error e) {
            log.error("Poll loop died; the worker stops taking prompts and reports itself unhealthy", e);
            throw e;
        } finally {
            alive = false;
            try {
                shutDown();
            } finally {
                stopped.countDown();
            }
        }
    }

    void subscribe() {
        consumer.subscribe(List.of(settings.topic()), new IntakeRebalanceListener(this, consumer, dispatcher,
                commits, metrics, settings, placement, assigned));
    }

    /** One round of the loop: poll, hand out, collect what is done, adjust backpressure, commit. */
    void pollOnce() {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(settings.pollTimeout())) {
            accept(record);
        }
        lastPollNanos = System.nanoTime();
        rebalanceOnceAfterStaticRejoin();
        relay.retryDue(assigned::contains);
        drainCompletions(0);
        applyBackpressure();
        commits.commitIfDue(trackers);
    }

    private void accept(ConsumerRecord<String, byte[]> record) {
        TopicPartition partition = new TopicPartition(record.topic(), record.partition());
        OffsetTracker tracker = trackers.computeIfAbsent(partition, p -> new OffsetTracker());
        if (!tracker.track(record.offset())) {
            metrics.recordRedelivered(); // read again after a position reset: it is in flight or done already
            return;
        }
        metrics.promptReceived();
        Set<Long> skip = doneBeforeRestart.get(partition);
        if (skip != null && skip.remove(record.offset())) {
            metrics.recordSkipped();
            tracker.markDone(record.offset());
            return;
        }
        PromptDecoder.Result result = decoder.decode(record.key(), record.value());
        if (result instanceof PromptDecoder.Accepted accepted) {
            int home = placement.partitionFor(record.key());
            PendingTurn turn = new PendingTurn(partition, record.offset(), accepted.prompt(), System.nanoTime(), record,
                    accepted.grammar());
            if (home >= 0 && home != record.partition() && forwarder != null) {
                metrics.promptForwarded();
                relay.send(partition, record.offset(), forwarder.forward(record, home, () -> dispatcher.enqueue(turn)));
            } else {
                dispatcher.enqueue(turn);
            }
        } else {
            Rejection rejection = ((PromptDecoder.Rejected) result).rejection();
            // The reason may quote parts of the prompt: it goes to the dead-letter topic, and to the log only at DEBUG.
            log.info("Dead-lettering {}-{}@{}: {} at {}", record.topic(), record.partition(), record.offset(),
                    rejection.code().wireName(), rejection.field() == null ? "-" : rejection.field());
            log.debug("Dead-letter reason for {}-{}@{}: {}", record.topic(), record.partition(), record.offset(),
                    rejection.reason());
            metrics.promptRejected(rejection.code().wireName());
            relay.send(partition, record.offset(), deadLetterSend(record.key(), deadLetters.toDeadLetter(record, rejection)));
        }
        updateBuffered();
    }

    /** A dead letter's send: the bounded letter, then once the same letter with a minimal payload. */
    private RecordRelay.Send deadLetterSend(String key, dev.parley.schemas.DeadLetter letter) {
        return new RecordRelay.Send() {
            @Override
            public java.util.concurrent.CompletableFuture<?> attempt() {
                return deadLetters.publish(key, letter);
            }

            @Override
            public RecordRelay.Send fallback() {
                dev.parley.schemas.DeadLetter smaller = deadLetters.shrunk(letter);
                return smaller == letter ? null : deadLetterSend(key, smaller);
            }

            @Override
            public String describe() {
                return "dead letter (" + letter.code() + ", " + letter.payloadBytes() + " bytes)";
            }
        };
    }

    /** Applies done reports; waits up to {@code waitMs} for the first one. */
    void drainCompletions(long waitMs) {
        try {
            Done done = waitMs > 0 ? completions.poll(waitMs, TimeUnit.MILLISECONDS) : completions.poll();
            while (done != null) {
                OffsetTracker tracker = trackers.get(done.partition());
                if (tracker != null) {
                    tracker.markDone(done.offset());
                }
                done = completions.poll();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        updateBuffered();
    }

    void updateBuffered() {
        int total = 0;
        for (OffsetTracker tracker : trackers.values()) {
            total += tracker.pendingCount();
        }
        buffered = total;
    }

    boolean paused() {
        return paused;
    }

    private void applyBackpressure() {
        if (!paused && buffered >= settings.maxBuffered()) {
            consumer.pause(consumer.assignment());
            paused = true;
            log.info("Paused fetching: {} records buffered (limit {})", buffered, settings.maxBuffered());
        } else if (paused && buffered <= settings.resumeBelow()) {
            consumer.resume(consumer.paused());
            paused = false;
            log.info("Resumed fetching: {} records buffered", buffered);
        }
    }

    /** Waits, collecting done reports, until no turn of these partitions runs or the grace period ends. */
    void awaitInFlight(Collection<TopicPartition> partitions, Duration grace) {
        long deadline = System.nanoTime() + grace.toNanos();
        while (dispatcher.inFlight(partitions) > 0 && System.nanoTime() < deadline) {
            drainCompletions(DRAIN_WAIT_MS);
        }
        drainCompletions(0);
        int left = dispatcher.inFlight(partitions);
        if (left > 0) {
            log.warn("{} turn(s) still running after {}; their records stay uncommitted and will be redelivered "
                    + "(the history deduplicates them)", left, grace);
        }
    }

    void markJoined() {
        joined = true;
    }

    private void shutDown() {
        dispatcher.stopStarting();
        Set<TopicPartition> owned = new HashSet<>(trackers.keySet());
        int dropped = dispatcher.dropQueued(owned).size();
        if (dropped > 0) {
            log.info("Left {} queued turn(s) for the next owner of their partitions", dropped);
        }
        try {
            awaitInFlight(owned, settings.shutdownGrace());
            commits.commitNow(trackers, owned);
        } catch (RuntimeException e) {
            log.warn("Final commit skipped: {}", e.getMessage());
        }
        try {
            consumer.close(Duration.ofSeconds(10));
        } catch (RuntimeException e) {
            log.warn("Closing the consumer failed: {}", e.getMessage());
        }
    }

    /** Stops the loop; returns once in-flight work finished (or its grace ran out) and progress was committed. */
    public void stop() {
        running = false;
        consumer.wakeup();
    }

    /**
     * A static member that restarts within the session timeout is handed its previous assignment without a
     * rebalance. If the process died between the two rebalances of a cooperative hand-over, the partitions it had
     * already given up belong to nobody until the group next rebalances, which may be never (the crash drill caught
     * two partitions orphaned this way). So after its first join a static member asks for one rebalance: cooperative,
     * so nothing it owns stops, and the leader hands out whatever is unowned.
     */
    private void rebalanceOnceAfterStaticRejoin() {
        if (joined && !rejoinRebalanced) {
            rejoinRebalanced = true;
            if (consumer.groupMetadata().groupInstanceId().isPresent()) {
                log.info("Static member joined: asking for one rebalance so that no partition is left unowned");
                consumer.enforceRebalance("static member restarted");
            }
        }
    }

    /** Waits for the loop to finish after {@link #stop()}. */
    public boolean awaitStopped(Duration timeout) throws InterruptedException {
        return stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void pauseQuietly(Duration pause) {
        try {
            Thread.sleep(pause.toMillis()); // a backoff between failed rounds: there is nothing to wait on
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }
}
