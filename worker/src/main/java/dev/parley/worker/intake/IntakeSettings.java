package dev.parley.worker.intake;

import java.time.Duration;

/**
 * @param topic              the prompts topic
 * @param maxBuffered        records held (read and not done) before the partitions are paused
 * @param pollTimeout        longest wait in one poll
 * @param commitInterval     how often progress is committed
 * @param revokeGrace        how long revoked partitions' running turns may take to finish before their commit
 * @param shutdownGrace      how long running turns may take to finish at shutdown
 * @param maxForwardHops     forwards a misplaced record may have had and still be forwarded; past it, dead-lettered
 * @param maxPollRecords     the consumer's {@code max.poll.records}: how far past its position a failed poll read
 */
public record IntakeSettings(String topic, int maxBuffered, Duration pollTimeout, Duration commitInterval,
                             Duration revokeGrace, Duration shutdownGrace, int maxForwardHops, int maxPollRecords) {

    /** The default hop limit: a record is forwarded at most this many times. */
    public static final int DEFAULT_MAX_FORWARD_HOPS = 3;

    public IntakeSettings(String topic, int maxBuffered, Duration pollTimeout, Duration commitInterval,
                          Duration revokeGrace, Duration shutdownGrace) {
        this(topic, maxBuffered, pollTimeout, commitInterval, revokeGrace, shutdownGrace, DEFAULT_MAX_FORWARD_HOPS,
                500);
    }

    /** Resume fetching once the buffer has drained to this many records. */
    public int resumeBelow() {
        return maxBuffered / 2;
    }
}
