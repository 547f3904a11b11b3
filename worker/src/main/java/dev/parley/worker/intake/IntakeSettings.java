package dev.parley.worker.intake;

import java.time.Duration;

/**
 * @param topic              the prompts topic
 * @param maxBuffered        records held (read and not done) before the partitions are paused
 * @param pollTimeout        longest wait in one poll
 * @param commitInterval     how often progress is committed
 * @param revokeGrace        how long revoked partitions' running turns may take to finish before their commit
 * @param shutdownGrace      how long running turns may take to finish at shutdown
 */
public record IntakeSettings(String topic, int maxBuffered, Duration pollTimeout, Duration commitInterval,
                             Duration revokeGrace, Duration shutdownGrace) {

    /** Resume fetching once the buffer has drained to this many records. */
    public int resumeBelow() {
        return maxBuffered / 2;
    }
}
