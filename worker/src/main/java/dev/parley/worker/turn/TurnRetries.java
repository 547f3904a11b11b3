package dev.parley.worker.turn;

import dev.parley.schemas.retry.FailureStreak;
import dev.parley.worker.engine.EngineException;
import dev.parley.worker.history.HistoryUnavailableException;
import java.time.Duration;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One turn's retries. Failed attempts (a generation that failed, a history that moved on while generating, anything
 * unexpected) are bounded by {@link TurnSettings#attempts()}; a history outage is waited out for as long as it lasts,
 * since the conversation can only wait. Both back off through a {@link FailureStreak}; every retry is told to
 * {@code retried} with its cause (counted as {@code parley.turn.retries}, and noted for the health check).
 */
final class TurnRetries {

    private static final Logger log = LoggerFactory.getLogger(TurnRetries.class);

    private final int attempts;
    private final Sleeper sleeper;
    private final Consumer<String> retried;
    /** Jittered: a failed decode fails every turn in flight, and they must not all retry at the same instant. */
    private final FailureStreak failures;
    private final FailureStreak outages;
    private int generations;

    TurnRetries(TurnSettings settings, Sleeper sleeper, Consumer<String> retried) {
        this.attempts = settings.attempts();
        this.sleeper = sleeper;
        this.retried = retried;
        this.failures = FailureStreak.jittered(settings.backoff());
        this.outages = FailureStreak.of(settings.backoff());
    }

    /** Numbers the next generation of the turn (1-based): streamed chunks carry it. */
    int nextGeneration() {
        return ++generations;
    }

    /**
     * The history moved on while generating (another turn of the conversation was stored). Redone at once, without a
     * pause: nothing is down. Returns true when the turn has no attempt left.
     */
    boolean historyMovedOn(int historyLength) {
        failures.failed();
        retried.accept("history_conflict");
        log.warn("History of the conversation moved on while generating (now {} turns); redoing the turn",
                historyLength);
        return exhausted();
    }

    /** Waits out a history outage, logging its first and every tenth attempt. */
    void historyUnavailable(HistoryUnavailableException e) throws TurnProcessor.Abandoned {
        Duration pause = outages.failed();
        retried.accept("history_unavailable");
        if (outages.worthLogging()) {
            log.warn("History store unavailable (attempt {}): {}", outages.count(), e.getMessage());
        }
        sleep(pause);
    }

    /** A failed generation: true when the turn has no attempt left, else waits before the next. */
    boolean generationFailed(EngineException e) throws TurnProcessor.Abandoned {
        Duration pause = failures.failed();
        retried.accept("engine");
        log.warn("Generation failed (attempt {} of {}): {}", failures.count(), attempts, e.getMessage());
        return exhaustedOrPaused(pause);
    }

    /**
     * Anything else (a template that cannot render, a bug): retried like a failed generation. True when the turn has
     * no attempt left.
     */
    boolean failedUnexpectedly(RuntimeException e) throws TurnProcessor.Abandoned {
        Duration pause = failures.failed();
        retried.accept("unexpected");
        log.warn("Turn failed unexpectedly (attempt {} of {})", failures.count(), attempts, e);
        return exhaustedOrPaused(pause);
    }

    private boolean exhausted() {
        return failures.count() >= attempts;
    }

    /** True when no attempt is left; else waits {@code pause} first and returns false. */
    private boolean exhaustedOrPaused(Duration pause) throws TurnProcessor.Abandoned {
        if (exhausted()) {
            return true;
        }
        sleep(pause);
        return false;
    }

    private void sleep(Duration pause) throws TurnProcessor.Abandoned {
        try {
            sleeper.sleep(pause);
        } catch (InterruptedException e) {
            throw new TurnProcessor.Abandoned(e);
        }
    }
}
