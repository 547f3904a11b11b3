package dev.parley.worker.load;

import java.time.Duration;
import java.util.ArrayDeque;

/**
 * A rate over a sliding window of samples of a growing total (tokens generated, turns finished): recent enough to
 * follow the load, long enough that one slow turn does not swing it. Not thread-safe: one sampler calls it.
 */
final class Throughput {

    /** How far back "recently" reaches. */
    static final Duration WINDOW = Duration.ofSeconds(30);

    private record Sample(long nanos, double total) {
    }

    private final ArrayDeque<Sample> samples = new ArrayDeque<>();

    /** Records {@code total} as of {@code nanos} and answers the rate per second over the window (0 at first). */
    double sample(long nanos, double total) {
        samples.addLast(new Sample(nanos, total));
        // Keep one sample at or beyond the window's start, so the rate always covers the whole window once it can.
        while (samples.size() > 2 && nanos - secondOldest().nanos >= WINDOW.toNanos()) {
            samples.removeFirst();
        }
        Sample first = samples.peekFirst();
        long elapsed = nanos - first.nanos;
        if (elapsed <= 0) {
            return 0;
        }
        return Math.max(0, (total - first.total) * 1e9 / elapsed);
    }

    private Sample secondOldest() {
        var it = samples.iterator();
        it.next();
        return it.next();
    }
}
