package dev.parley.worker.turn;

import java.time.Duration;

/** Waits between retries; tests substitute one that records instead of sleeping. */
@FunctionalInterface
public interface Sleeper {

    Sleeper REAL = duration -> Thread.sleep(duration.toMillis());

    /** Waits; an interrupt (shutdown) ends the wait with {@link InterruptedException}. */
    void sleep(Duration duration) throws InterruptedException;
}
