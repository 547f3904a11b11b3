package dev.parley.client;

import java.time.Duration;
import java.time.Instant;

/**
 * What a {@link ParleyClient} can tell about its reply listener, for a health check ({@link ParleyClient#health()}).
 *
 * @param listening         whether the reply listener runs: false once the client is closed or a fatal
 *                          {@link Error} ended the listener (then every request fails; build a new client)
 * @param failingSince      when the listener's current run of failures to reach the broker began; {@code null} while
 *                          it reaches the broker
 * @param failingFor        how long that run has lasted ({@link Duration#ZERO} while it reaches the broker)
 * @param outageTimeout     the client's outage timeout: failing longer than this makes waiting requests fail
 * @param unreadableReplies reply records the listener could not read and stepped past (each logged), since the start
 * @param offsetResets      times a reply partition's read position was lost (retention, an unclean leader election)
 *                          and reset, since the start (see the README on reply routing)
 */
public record ClientHealth(boolean listening, Instant failingSince, Duration failingFor, Duration outageTimeout,
                           long unreadableReplies, long offsetResets) {

    /**
     * Healthy: the listener runs and has not failed to reach the broker for longer than the outage timeout. Skipped
     * records and offset resets are reported, not held against it: the listener reads on past them.
     */
    public boolean healthy() {
        return listening && failingFor.compareTo(outageTimeout) <= 0;
    }
}
