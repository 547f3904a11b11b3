package dev.parley.worker.intake;

import dev.parley.schemas.validation.PromptDecoder;
import dev.parley.worker.dispatch.Dispatcher;
import dev.parley.worker.dispatch.OffsetTracker;
import dev.parley.worker.metrics.WorkerMetrics;
import dev.parley.schemas.retry.Backoff;
import dev.parley.schemas.retry.FailureStreak;
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
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
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
    private final Dispatcher dispatcher;
    private final WorkerMetrics metrics;
    private final IntakeSettings settings;
    private final RecordRelay relay;
    private final RecordRouter router;
    private final CommitKeeper commits;
    private final CommitWatch commitWatch = new CommitWatch(System::nanoTime);
    private final KeyPlacement placement;
    /** Finds records a poll cannot hand over; {@code null} without a probe consumer. */
    private final UnreadableRecords unreadable;
    /** The relay's sending thread when this intake owns it, else {@code null}. */
    private final ExecutorService ownSender;

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

    /**
     * @param forwarder sends misplaced records to their key's partition; {@code null} answers them where they are
     * @param probes makes a consumer of the same cluster with {@code max.poll.records=1} and no group, to find a
     *               record that a poll cannot hand over (a compression bomb); {@code null}: a failed poll is retried
     */
    public PromptIntake(Consumer<String, byte[]> consumer, PromptDecoder decoder, DeadLetterPublisher deadLetters,
                        Dispatcher dispatcher, WorkerMetrics metrics, IntakeSettings settings,
                        PromptForwarder forwarder, Supplier<Consumer<String, byte[]>> probes) {
        this(consumer, decoder, deadLetters, dispatcher, metrics, settings, forwarder, null, probes);
    }

    /**
     * @param relaySends runs dead-letter and forward sends, so that a send waiting for a missing topic's metadata
     *                   never holds up the poll loop; {@code null} for a thread of this intake's own
     */
    PromptIntake(Consumer<String, byte[]> consumer, PromptDecoder decoder, DeadLetterPublisher deadLetters,
                 Dispatcher dispatcher, WorkerMetrics metrics, IntakeSettings settings, PromptForwarder forwarder,
                 Executor relaySends, Supplier<Consumer<String, byte[]>> probes) {
        this.consumer = consumer;
        this.dispatcher = dispatcher;
        this.metrics = metrics;
        this.settings = settings;
        this.ownSender = relaySends == null ? Executors.newSingleThreadExecutor(r -> daemon(r, "parley-relay")) : null;
        RecordRelay.Outcome outcome = new RecordRelay.Outcome() {
            @Override
            public void done(TopicPartition partition, long offset) {
                markDone(partition, offset);
            }

            @Override
            public void givenUp(TopicPartition partition, long offset, Throwable error) {
                metrics.deadLetterDropped(KafkaErrors.unwrap(error).getClass().getSimpleName());
                markDone(partition, offset);
            }
        };
        this.relay = new RecordRelay("dead_letter", SEND_BACKOFF, metrics, outcome, System::nanoTime,
                relaySends == null ? ownSender : relaySends);
        this.commits = new CommitKeeper(consumer, metrics, settings.commitInterval(), ROUND_BACKOFF, System::nanoTime);
        this.placement = new KeyPlacement(consumer, settings.topic());
        this.router = new RecordRouter(decoder, deadLetters, dispatcher, metrics, relay, outcome, placement, forwarder,
                settings.maxForwardHops());
        this.unreadable = probes == null ? null
                : new UnreadableRecords(consumer, probes, commits, settings.maxPollRecords());
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

    /** Each partition's commit point as the health check sees it. */
    public CommitWatch commitWatch() {
        return commitWatch;
    }

    /** {@link System#nanoTime()} at the end of the last poll that returned normally. */
    public long lastPollNanos() {
        return lastPollNanos;
    }

    @Override
    public void run() {
        try {
            subscribe();
            FailureStreak failures = FailureStreak.of(ROUND_BACKOFF);
            while (running) {
                try {
                    pollOnce();
                    failures.succeeded();
                } catch (WakeupException e) {
                    if (running) {
                        log.warn("Consumer woken up unexpectedly; polling on");
                    }
                } catch (OutOfMemoryError | StackOverflowError e) {
                    Duration pause = failures.failed();
                    metrics.retried("poll");
                    pollFailedOnARecord(e, failures.count(), pause);
                } catch (RuntimeException e) {
                    Duration pause = failures.failed();
                    metrics.retried("poll");
                    if (failures.worthLogging()) {
                        log.warn("Poll round failed ({} in a row); pausing {}", failures.count(), pause, e);
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
        commitWatch.update(trackers);
        applyBackpressure();
        commits.commitIfDue(trackers);
    }

    /**
     * A poll that threw an error no fatal one: a record the client cannot materialise (a compression bomb). Finds it
     * and moves past it; without a probe, or when finding it fails, pauses like any failed round.
     */
    private void pollFailedOnARecord(Error failure, int failures, Duration pause) {
        // The first one's stack says where the client allocated (DefaultRecord.readFrom, for a compression bomb).
        log.error("Poll failed with {} ({} in a row): a record too large for the heap? Looking for it",
                failure.toString(), failures, failures == 1 ? failure : null);
        if (unreadable == null) {
            pauseQuietly(pause);
            return;
        }
        try {
            unreadable.isolate(trackers, failure, this::accept, this::unreadable);
        } catch (RuntimeException e) {
            log.warn("Looking for the unreadable record failed; pausing and polling again", e);
            pauseQuietly(pause);
        }
        updateBuffered();
    }

    /** A record the probe could not read: tracked, and dead-lettered by its position. */
    private void unreadable(TopicPartition partition, long offset, String reason) {
        if (trackers.computeIfAbsent(partition, p -> new OffsetTracker()).track(offset)) {
            metrics.promptReceived();
            router.unreadable(partition, offset, reason);
        }
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
        router.route(record);
        updateBuffered();
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
        if (ownSender != null) {
            ownSender.shutdownNow(); // unsent letters' records stay uncommitted: the next owner sends them again
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

    private static Thread daemon(Runnable runnable, String name) {
        Thread thread = new Thread(runnable, name);
        thread.setDaemon(true);
        return thread;
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
