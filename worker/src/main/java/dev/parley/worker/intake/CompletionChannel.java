package dev.parley.worker.intake;

import dev.parley.worker.dispatch.PendingTurn;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;

/**
 * How a record's "done" reaches the intake: turn threads and the relay report here, and only the poll thread, which
 * owns the offset trackers, applies the reports. Made before the turn processor and the intake, so that each is
 * given it whole and neither needs the other.
 */
public final class CompletionChannel {

    /** A record whose reply or dead letter the broker acknowledged (or that was given up on). */
    record Done(TopicPartition partition, long offset) {
    }

    private final LinkedBlockingQueue<Done> reports = new LinkedBlockingQueue<>();

    /** Reports a record as done; any thread. */
    public void report(TopicPartition partition, long offset) {
        reports.add(new Done(partition, offset));
    }

    /** Reports a finished turn's record as done; any thread. */
    public void report(PendingTurn turn) {
        report(turn.partition(), turn.offset());
    }

    /** The next report, waiting up to {@code waitMs} for one (0: not at all); {@code null} if none came. */
    Done next(long waitMs) throws InterruptedException {
        return waitMs > 0 ? reports.poll(waitMs, TimeUnit.MILLISECONDS) : reports.poll();
    }
}
