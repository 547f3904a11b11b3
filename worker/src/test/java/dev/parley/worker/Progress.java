package dev.parley.worker;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Waits for many futures by progress, not by a wall-clock total: it fails only when none completed for a quiet
 * period, so a loaded machine that is slow but loses nothing passes, and a lost request fails with the diagnostics
 * (the workers' logs, say) in the message.
 */
final class Progress {

    private Progress() {
    }

    /** Waits until all are done; fails when {@code quiet} passes without any finishing. */
    static <T> List<T> awaitAll(List<CompletableFuture<T>> futures, Duration quiet, Supplier<String> diagnostics)
            throws InterruptedException {
        long lastDone = -1;
        long lastChange = System.nanoTime();
        while (true) {
            long done = futures.stream().filter(CompletableFuture::isDone).count();
            if (done == futures.size()) {
                return futures.stream().map(CompletableFuture::join).toList();
            }
            if (done != lastDone) {
                lastDone = done;
                lastChange = System.nanoTime();
            } else if (System.nanoTime() - lastChange > quiet.toNanos()) {
                throw new AssertionError(done + " of " + futures.size() + " done, and none more for " + quiet.toSeconds()
                        + " s: lost or stuck\n" + diagnostics.get());
            }
            Thread.sleep(200); // polling futures owned by other threads; a completion is what we wait for
        }
    }
}
