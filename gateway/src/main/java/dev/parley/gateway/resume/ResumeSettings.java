package dev.parley.gateway.resume;

import java.time.Duration;
import java.util.Objects;

/**
 * How long streams stay resumable (docs/gateway.md, "Resuming a stream").
 *
 * @param retention how long after it started a stream can be resumed, from any gateway: its record in Redis expires
 *                  then (and the reply topic must keep its records at least this long)
 * @param grace     how long the worker goes on generating for a client that hung up, waiting for it to resume; a
 *                  stream not resumed by then is cancelled (0: at once, as before streams were resumable).
 *                  Background responses are never cancelled for a hang-up
 */
public record ResumeSettings(Duration retention, Duration grace) {

    public static final Duration DEFAULT_RETENTION = Duration.ofHours(24);
    public static final Duration DEFAULT_GRACE = Duration.ofSeconds(5);
    public static final ResumeSettings DEFAULTS = new ResumeSettings(DEFAULT_RETENTION, DEFAULT_GRACE);

    public ResumeSettings {
        Objects.requireNonNull(retention, "retention");
        Objects.requireNonNull(grace, "grace");
        if (retention.toSeconds() < 1 || grace.isNegative()) {
            throw new IllegalArgumentException("retention must be at least 1 s and grace not negative, got "
                    + retention + " and " + grace);
        }
    }
}
