package dev.parley.worker.intake;

import dev.parley.schemas.validation.PromptDecoder;
import dev.parley.schemas.validation.Rejection;
import dev.parley.worker.dispatch.Dispatcher;
import dev.parley.worker.dispatch.OffsetTracker;
import dev.parley.worker.dispatch.PendingTurn;
import dev.parley.worker.metrics.WorkerMetrics;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The poll loop, the only code that touches the consumer. It decodes records, dead-letters the bad ones, queues
 * the good ones on the {@link Dispatcher}, learns which records are done through a queue that other threads fill,
 * commits per partition the point below which everything is done, and pauses fetching while too much is buffered
 * (polling goes on, so the group membership never lapses).
 */
public final class PromptIntake implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(PromptIntake.class);
    private static final long DRAIN_WAIT_MS = 20;

    private record Done(TopicPartition partition, long offset) {
    }

    private record FailedDeadLetter(ConsumerRecord<String, byte[]> record, Rejection rejection) {
    }

    private final Consumer<String, byte[]> consumer;
    private final PromptDecoder decoder;
    private final DeadLetterPublisher deadLetters;
    private final Dispatcher dispatcher;
    private final WorkerMetrics metrics;
    private final IntakeSettings settings;

    private final LinkedBlockingQueue<Done> completions = new LinkedBlockingQueue<>();
    private final ConcurrentLinkedQueue<FailedDeadLetter> deadLetterRetries = new ConcurrentLinkedQueue<>();
    private final Map<TopicPartition, OffsetTracker> trackers = new HashMap<>();
    private final Map<TopicPartition, Set<Long>> doneBeforeRestart = new HashMap<>();
    private final Map<TopicPartition, OffsetAndMetadata> committed = new HashMap<>();
    private final Set<TopicPartition> assigned = ConcurrentHashMap.newKeySet();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean running = true;
    private volatile int buffered;
    private volatile boolean paused;
    private volatile boolean joined;
    private boolean rejoinRebalanced;
    private long lastCommitNanos = System.nanoTime();

    public PromptIntake(Consumer<String, byte[]> consumer, PromptDecoder decoder, DeadLetterPublisher deadLetters,
                        Dispatcher dispatcher, WorkerMetrics metrics, IntakeSettings settings) {
        this.consumer = consumer;
        this.decoder = decoder;
        this.deadLetters = deadLetters;
        this.dispatcher = dispatcher;
        this.metrics = metrics;
        this.settings = settings;
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

    @Override
    public void run() {
        try {
            subscribe();
            while (running) {
                pollOnce();
            }
        } catch (WakeupException e) {
            if (running) {
                log.error("Consumer woken up unexpectedly", e);
            }
        } catch (RuntimeException e) {
            log.error("Poll loop failed; the worker stops taking prompts", e);
        } finally {
            try {
                shutDown();
            } finally {
                stopped.countDown();
            }
        }
    }

    void subscribe() {
        consumer.subscribe(List.of(settings.topic()), new RebalanceListener());
    }

    /** One round of the loop: poll, hand out, collect what is done, adjust backpressure, commit. */
    void pollOnce() {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(settings.pollTimeout())) {
            accept(record);
        }
        rebalanceOnceAfterStaticRejoin();
        retryDeadLetters();
        drainCompletions(0);
        applyBackpressure();
        commitIfDue();
    }

    private void accept(ConsumerRecord<String, byte[]> record) {
        TopicPartition partition = new TopicPartition(record.topic(), record.partition());
        OffsetTracker tracker = trackers.computeIfAbsent(partition, p -> new OffsetTracker());
        tracker.track(record.offset());
        metrics.promptReceived();
        Set<Long> skip = doneBeforeRestart.get(partition);
        if (skip != null && skip.remove(record.offset())) {
            metrics.recordSkipped();
            tracker.markDone(record.offset());
            return;
        }
        PromptDecoder.Result result = decoder.decode(record.key(), record.value());
        if (result instanceof PromptDecoder.Accepted accepted) {
            dispatcher.enqueue(new PendingTurn(partition, record.offset(), accepted.prompt(), System.nanoTime(), record));
        } else {
            Rejection rejection = ((PromptDecoder.Rejected) result).rejection();
            // The reason may quote parts of the prompt: it goes to the dead-letter topic, and to the log only at DEBUG.
            log.info("Dead-lettering {}-{}@{}: {} at {}", record.topic(), record.partition(), record.offset(),
                    rejection.code().wireName(), rejection.field() == null ? "-" : rejection.field());
            log.debug("Dead-letter reason for {}-{}@{}: {}", record.topic(), record.partition(), record.offset(),
                    rejection.reason());
            metrics.promptRejected(rejection.code().wireName());
            sendDeadLetter(record, rejection);
        }
        updateBuffered();
    }

    private void sendDeadLetter(ConsumerRecord<String, byte[]> record, Rejection rejection) {
        TopicPartition partition = new TopicPartition(record.topic(), record.partition());
        deadLetters.publish(record, rejection).whenComplete((ok, error) -> {
            if (error == null) {
                markDone(partition, record.offset());
            } else {
                log.warn("Dead letter for {}@{} not acknowledged, will retry: {}", partition, record.offset(),
                        error.getMessage());
                deadLetterRetries.add(new FailedDeadLetter(record, rejection));
            }
        });
    }

    private void retryDeadLetters() {
        for (FailedDeadLetter failed; (failed = deadLetterRetries.poll()) != null; ) {
            TopicPartition partition = new TopicPartition(failed.record().topic(), failed.record().partition());
            if (assigned.contains(partition)) {
                sendDeadLetter(failed.record(), failed.rejection());
            }
        }
    }

    /** Applies done reports; waits up to {@code waitMs} for the first one. */
    private void drainCompletions(long waitMs) {
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

    private void updateBuffered() {
        int total = 0;
        for (OffsetTracker tracker : trackers.values()) {
            total += tracker.pendingCount();
        }
        buffered = total;
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

    private void commitIfDue() {
        if (System.nanoTime() - lastCommitNanos < settings.commitInterval().toNanos()) {
            return;
        }
        lastCommitNanos = System.nanoTime();
        Map<TopicPartition, OffsetAndMetadata> offsets = committable(trackers.keySet());
        if (!offsets.isEmpty()) {
            consumer.commitAsync(offsets, (done, error) -> {
                if (error != null) {
                    log.warn("Commit failed (a later one will carry the progress): {}", error.getMessage());
                }
            });
            committed.putAll(offsets);
        }
    }

    private void commitNow(Collection<TopicPartition> partitions) {
        Map<TopicPartition, OffsetAndMetadata> offsets = committable(partitions);
        if (offsets.isEmpty()) {
            return;
        }
        try {
            consumer.commitSync(offsets);
            committed.putAll(offsets);
        } catch (RuntimeException e) {
            log.warn("Final commit of {} failed; their records will be redelivered: {}", partitions, e.getMessage());
        }
    }

    private Map<TopicPartition, OffsetAndMetadata> committable(Collection<TopicPartition> partitions) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (TopicPartition partition : partitions) {
            OffsetTracker tracker = trackers.get(partition);
            if (tracker == null || tracker.commitPoint() < 0) {
                continue;
            }
            OffsetAndMetadata next = new OffsetAndMetadata(tracker.commitPoint(), tracker.commitMetadata());
            if (!next.equals(committed.get(partition))) {
                offsets.put(partition, next);
            }
        }
        return offsets;
    }

    /** Waits, collecting done reports, until no turn of these partitions runs or the grace period ends. */
    private void awaitInFlight(Collection<TopicPartition> partitions, Duration grace) {
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

    private void shutDown() {
        dispatcher.stopStarting();
        Set<TopicPartition> owned = new HashSet<>(trackers.keySet());
        int dropped = dispatcher.dropQueued(owned).size();
        if (dropped > 0) {
            log.info("Left {} queued turn(s) for the next owner of their partitions", dropped);
        }
        awaitInFlight(owned, settings.shutdownGrace());
        commitNow(owned);
        try {
            consumer.close();
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

    private final class RebalanceListener implements ConsumerRebalanceListener {

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            if (partitions.isEmpty()) {
                return;
            }
            List<PendingTurn> dropped = dispatcher.dropQueued(partitions);
            log.info("Partitions revoked: {}; dropped {} queued turn(s), waiting for running ones", partitions,
                    dropped.size());
            awaitInFlight(partitions, settings.revokeGrace());
            commitNow(partitions);
            forget(partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            // Someone else owns them already: committing would be refused. Drop and move on.
            dispatcher.dropQueued(partitions);
            log.warn("Partitions lost: {}", partitions);
            forget(partitions);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            joined = true; // called after every rebalance, also with nothing (more) to own
            if (partitions.isEmpty()) {
                return;
            }
            assigned.addAll(partitions);
            Map<TopicPartition, OffsetAndMetadata> previous = consumer.committed(new HashSet<>(partitions));
            for (TopicPartition partition : partitions) {
                trackers.put(partition, new OffsetTracker());
                OffsetAndMetadata commit = previous.get(partition);
                if (commit != null) {
                    committed.put(partition, commit);
                    Set<Long> done = OffsetTracker.parseDone(commit.offset(), commit.metadata());
                    if (!done.isEmpty()) {
                        doneBeforeRestart.put(partition, done);
                    }
                }
            }
            if (paused) {
                consumer.pause(partitions);
            }
            log.info("Partitions assigned: {}", partitions);
        }

        private void forget(Collection<TopicPartition> partitions) {
            for (TopicPartition partition : partitions) {
                trackers.remove(partition);
                doneBeforeRestart.remove(partition);
                committed.remove(partition);
                assigned.remove(partition);
            }
            updateBuffered();
        }
    }
}
