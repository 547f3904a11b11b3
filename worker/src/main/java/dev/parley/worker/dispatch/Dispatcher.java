package dev.parley.worker.dispatch;

import dev.parley.schemas.Priority;
import dev.parley.schemas.Prompt;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides which turn runs next. One FIFO per conversation; at most one turn of a conversation runs at a time; at
 * most {@code maxInFlight} turns run at all (plus the lane policy's interactive reserve); a free place goes to the
 * conversation whose next turn has waited longest, interactive heads before batch heads ({@link ReadyLanes}, with
 * aging). Different conversations of one partition run side by side.
 *
 * <p>Thread-safe: the poll thread enqueues, turn threads report back through {@link #finished}. Turns run on the
 * given {@link Executor}, so tests can drive the policy without threads.
 */
public final class Dispatcher {

    /** Runs one turn to completion on the calling thread. */
    @FunctionalInterface
    public interface TurnRunner {
        void run(PendingTurn turn);
    }

    private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);

    /** How many turns a log line names before it only counts the rest. */
    private static final int NAMED_IN_LOG = 20;

    private final int maxInFlight;
    private final Executor executor;
    private final TurnRunner runner;

    private final Map<String, Conversation> conversations = new HashMap<>();
    // Conversations with a waiting turn and none running, by lane, the longest-waiting head first.
    private final ReadyLanes<Conversation> ready;
    private final Set<PendingTurn> running = new HashSet<>();
    private long sequence;
    private int queued;
    private boolean starting = true;
    private volatile long lastFinishedNanos = System.nanoTime();

    private static final class Conversation {
        final String id;
        final ArrayDeque<Sequenced> queue = new ArrayDeque<>();
        boolean inFlight;

        Conversation(String id) {
            this.id = id;
        }

        long headSequence() {
            return queue.isEmpty() ? Long.MAX_VALUE : queue.peekFirst().sequence;
        }

        Priority headPriority() {
            return queue.isEmpty() ? Priority.DEFAULT : queue.peekFirst().turn().prompt().priorityOrDefault();
        }
    }

    private record Sequenced(PendingTurn turn, long sequence) {
    }

    public Dispatcher(int maxInFlight, Executor executor, TurnRunner runner) {
        this(maxInFlight, LanePolicy.DEFAULT, System::nanoTime, executor, runner);
    }

    /**
     * @param maxInFlight turns running at once (batch turns never more); interactive ones may take the policy's
     *                    reserve on top
     * @param lanes       how interactive and batch turns share the places
     * @param nanoClock   {@link System#nanoTime()} in production; tests move a settable one to age the batch lane
     */
    public Dispatcher(int maxInFlight, LanePolicy lanes, LongSupplier nanoClock, Executor executor, TurnRunner runner) {
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("maxInFlight must be >= 1, got " + maxInFlight);
        }
        this.maxInFlight = maxInFlight + lanes.interactiveReserve();
        this.executor = executor;
        this.runner = runner;
        this.ready = new ReadyLanes<>(new ReadyLanes.Head<>() {
            @Override
            public long sequence(Conversation conversation) {
                return conversation.headSequence();
            }

            @Override
            public Priority priority(Conversation conversation) {
                return conversation.headPriority();
            }
        }, maxInFlight, lanes, nanoClock);
    }

    /** Queues a turn behind its conversation's earlier ones and starts what can start. */
    public void enqueue(PendingTurn turn) {
        synchronized (this) {
            Conversation conversation = conversations.computeIfAbsent(turn.conversationId(), Conversation::new);
            boolean newHead = conversation.queue.isEmpty();
            conversation.queue.addLast(new Sequenced(turn, sequence++));
            queued++;
            if (newHead && !conversation.inFlight) { // otherwise it is ready already, or will be when its turn ends
                ready.add(conversation);
            }
        }
        promoteAndExecute();
    }

    /** Reports a turn as done (whatever its outcome); its conversation's next turn may start. */
    public void finished(PendingTurn turn) {
        synchronized (this) {
            if (!running.remove(turn)) {
                throw new IllegalStateException("turn " + turn + " finished but was not running");
            }
            Conversation conversation = conversations.get(turn.conversationId());
            conversation.inFlight = false;
            if (conversation.queue.isEmpty()) {
                conversations.remove(conversation.id);
            } else {
                ready.add(conversation);
            }
        }
        promoteAndExecute();
    }

    /**
     * Removes the waiting turns of these partitions (they were revoked: the new owner gets them again) and returns
     * them. Running turns are left to finish.
     */
    public synchronized List<PendingTurn> dropQueued(Collection<TopicPartition> partitions) {
        List<PendingTurn> dropped = new ArrayList<>();
        for (Conversation conversation : new ArrayList<>(conversations.values())) {
            boolean wasReady = ready.remove(conversation);
            conversation.queue.removeIf(s -> {
                if (partitions.contains(s.turn().partition())) {
                    dropped.add(s.turn());
                    return true;
                }
                return false;
            });
            if (conversation.queue.isEmpty() && !conversation.inFlight) {
                conversations.remove(conversation.id);
            } else if (wasReady && !conversation.queue.isEmpty()) {
                ready.add(conversation);
            }
        }
        queued -= dropped.size();
        return dropped;
    }

    /** Starts no more turns (shutdown); running ones go on. */
    public synchronized void stopStarting() {
        starting = false;
    }

    /** {@link System#nanoTime()} when a turn last finished (or the dispatcher was made). */
    public long lastFinishedNanos() {
        return lastFinishedNanos;
    }

    /** Turns waiting. */
    public synchronized int queued() {
        return queued;
    }

    /**
     * Shows {@code tally} the prompt of every waiting turn and answers the turns running, both as of one instant (for
     * the load the worker announces).
     */
    public synchronized int tallyQueued(Consumer<Prompt> tally) {
        for (Conversation conversation : conversations.values()) {
            for (Sequenced waiting : conversation.queue) {
                tally.accept(waiting.turn().prompt());
            }
        }
        return running.size();
    }

    /** Conversations whose next turn waits for a place, by that turn's lane. */
    public synchronized int ready(Priority lane) {
        return ready.size(lane);
    }

    /** Batch turns started ahead of interactive ones, or in a reserved place, because the batch lane had aged. */
    public synchronized long agedBatchStarts() {
        return ready.aged();
    }

    /** Turns running. */
    public synchronized int inFlight() {
        return running.size();
    }

    /** Turns running for these partitions. */
    public synchronized int inFlight(Collection<TopicPartition> partitions) {
        int n = 0;
        for (PendingTurn turn : running) {
            if (partitions.contains(turn.partition())) {
                n++;
            }
        }
        return n;
    }

    /** The turns running now for these partitions, to name them when they are given up on. */
    public synchronized List<PendingTurn> running(Collection<TopicPartition> partitions) {
        List<PendingTurn> turns = new ArrayList<>();
        for (PendingTurn turn : running) {
            if (partitions.contains(turn.partition())) {
                turns.add(turn);
            }
        }
        return turns;
    }

    /** Every turn running now. */
    public synchronized List<PendingTurn> running() {
        return new ArrayList<>(running);
    }

    /**
     * Names turns for a log line: conversation/request@partition:offset, the first {@value #NAMED_IN_LOG} of them and
     * how many more.
     */
    public static String describe(Collection<PendingTurn> turns) {
        StringBuilder names = new StringBuilder();
        int named = 0;
        for (PendingTurn turn : turns) {
            if (named == NAMED_IN_LOG) {
                return names.append(" and ").append(turns.size() - named).append(" more").toString();
            }
            names.append(named++ == 0 ? "" : ", ").append(turn);
        }
        return names.toString();
    }

    private void promoteAndExecute() {
        List<PendingTurn> toRun = new ArrayList<>();
        synchronized (this) {
            while (starting && running.size() < maxInFlight && !ready.isEmpty()) {
                Conversation conversation = ready.poll(running.size());
                if (conversation == null) {
                    break; // only batch turns wait, and the places left are reserved for interactive ones
                }
                PendingTurn turn = conversation.queue.pollFirst().turn();
                conversation.inFlight = true;
                queued--;
                running.add(turn);
                toRun.add(turn);
            }
        }
        for (PendingTurn turn : toRun) {
            try {
                executor.execute(() -> runAndFinish(turn));
            } catch (RejectedExecutionException e) {
                log.warn("Turn {} not started: the worker is shutting down", turn);
                synchronized (this) {
                    running.remove(turn);
                    Conversation conversation = conversations.remove(turn.conversationId());
                    if (conversation != null) {
                        ready.remove(conversation);
                        queued -= conversation.queue.size();
                    }
                }
            }
        }
    }

    private void runAndFinish(PendingTurn turn) {
        try {
            runner.run(turn);
        } catch (Throwable e) { // the runner finishes its records itself; this only keeps the conversation moving
            log.error("Turn {} escaped its runner; it will be redelivered after a restart", turn, e);
        } finally {
            lastFinishedNanos = System.nanoTime();
            finished(turn);
        }
    }
}
