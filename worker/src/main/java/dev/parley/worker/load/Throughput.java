package dev.parley.worker.load;

import java.time.Duration;
import java.util.ArrayDeque;

/**
 * A rate of a growing total (tokens generated, turns finished) over the last {@link #WINDOW} of busy time: intervals
 * in which the worker had nothing to do are left out, so a pool that was idle and is now flooded is not judged by its
 * idle minutes (which would make the wait it announces look far longer than it is). Not thread-safe: one sampler
 * calls it.
 */
final class Throughput {

    /** How much busy time "recently" covers. */
    static final Duration WINDOW = Duration.ofSeconds(30);

    private record Interval(long nanos, double done) {
    }

    private final ArrayDeque<Interval> intervals = new ArrayDeque<>();
    private long windowNanos;
    private double windowDone;
    private long lastNanos = -1;
    private double lastTotal;

    /**
     * Records {@code total} as of {@code nanos}; the interval since the last sample counts when the worker was
     * {@code busy} or finished something in it. Answers the rate per second over the window (0 until it has one).
     */
    double sample(long nanos, double total, boolean busy) {
        if (lastNanos >= 0 && nanos > lastNanos && (busy || total > lastTotal)) {
            Interval interval = new Interval(nanos - lastNanos, Math.max(0, total - lastTotal));
            intervals.addLast(interval);
            windowNanos += interval.nanos;
            windowDone += interval.done;
            while (intervals.size() > 1 && windowNanos - intervals.peekFirst().nanos >= WINDOW.toNanos()) {
                Interval dropped = intervals.removeFirst();
                windowNanos -= dropped.nanos;
                windowDone -= dropped.done;
            }
        }
        lastNanos = nanos;
        lastTotal = total;
        return windowNanos <= 0 ? 0 : Math.max(0, windowDone * 1e9 / windowNanos);
    }
}
