package dev.parley.worker.turn;

import dev.parley.schemas.Prompt;
import dev.parley.schemas.Reply;
import dev.parley.worker.history.AppendOutcome;
import dev.parley.worker.history.HistoryEntry;
import dev.parley.worker.history.HistoryStore;
import dev.parley.worker.history.HistoryUnavailableException;
import dev.parley.worker.metrics.WorkerMetrics;
import dev.parley.schemas.retry.Backoff;
import dev.parley.schemas.retry.FailureStreak;
import java.time.Duration;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A turn's writes to the history once its answer is decided. Each waits out a Redis outage by retrying itself, with
 * backoff, and nothing before it: a finished generation is stored when Redis is back, never generated again (that
 * would cost a second generation, charge the tenant twice and stream a second answer).
 */
final class HistoryWrites {

    private static final Logger log = LoggerFactory.getLogger(HistoryWrites.class);

    private final HistoryStore history;
    private final WorkerMetrics metrics;
    private final Backoff backoff;
    private final Sleeper sleeper;
    private final Consumer<String> retried;

    /**
     * @param retried told the cause of each retry (the turn processor counts it and notes the time for health)
     */
    HistoryWrites(HistoryStore history, WorkerMetrics metrics, Backoff backoff, Sleeper sleeper,
                  Consumer<String> retried) {
        this.history = history;
        this.metrics = metrics;
        this.backoff = backoff;
        this.sleeper = sleeper;
        this.retried = retried;
    }

    /** Appends the turn and stores its reply, atomically (see {@link HistoryStore#append}). */
    AppendOutcome append(Prompt prompt, HistoryEntry entry, Reply reply) throws TurnProcessor.Abandoned {
        return untilStored("appending the turn", () -> metrics.historyTimer("append")
                .record(() -> history.append(prompt.conversationId(), prompt.tenant(), entry, reply)));
    }

    /**
     * Stores a final reply that adds no turn (cancelled, expired, error) under its request id, so a redelivery gets
     * the same answer instead of a second try.
     */
    Reply store(Prompt prompt, Reply reply) throws TurnProcessor.Abandoned {
        return untilStored("storing the reply",
                () -> history.recordReply(prompt.conversationId(), prompt.requestId(), reply));
    }

    private <T> T untilStored(String what, Supplier<T> write) throws TurnProcessor.Abandoned {
        FailureStreak outages = FailureStreak.of(backoff);
        while (true) {
            try {
                return write.get();
            } catch (HistoryUnavailableException e) {
                Duration pause = outages.failed();
                retried.accept("history_unavailable");
                if (outages.worthLogging()) {
                    log.warn("History store unavailable while {} (attempt {}): {}", what, outages.count(),
                            e.getMessage());
                }
                try {
                    sleeper.sleep(pause);
                } catch (InterruptedException interrupted) {
                    throw new TurnProcessor.Abandoned(interrupted);
                }
            }
        }
    }
}
