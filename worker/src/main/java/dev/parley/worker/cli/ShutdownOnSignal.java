package dev.parley.worker.cli;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * Runs a clean shutdown when the process gets SIGTERM or SIGINT, then exits with status 0 (a JVM ended by a signal
 * would report 143 even after a clean shutdown, and java-llama.cpp's native thread would keep a normal exit from
 * happening at all). {@link #exit} ends the process the same way with another status, for a worker that found itself
 * unhealthy. The shutdown gets a bounded time: a part that hangs cannot keep the process alive. Command-line code only.
 */
public final class ShutdownOnSignal {

    private final Runnable shutdown;
    private final Duration bound;
    private volatile int status;

    private ShutdownOnSignal(Runnable shutdown, Duration bound) {
        this.shutdown = shutdown;
        this.bound = bound;
    }

    /** Registers {@code shutdown}, given at most {@code bound} to finish. */
    public static ShutdownOnSignal install(Runnable shutdown, Duration bound) {
        ShutdownOnSignal hook = new ShutdownOnSignal(shutdown, bound);
        Runtime.getRuntime().addShutdownHook(new Thread(hook::runShutdown, "parley-shutdown"));
        return hook;
    }

    /** Registers {@code shutdown} and blocks the calling thread until the process ends. */
    public static void awaitSignal(Runnable shutdown) throws InterruptedException {
        install(shutdown, Duration.ofMinutes(2)).await();
    }

    /** Blocks the calling thread until the process ends. */
    public void await() throws InterruptedException {
        new CountDownLatch(1).await();
    }

    /** Shuts down as on a signal, then exits with {@code exitStatus}; returns at once. */
    public void exit(int exitStatus) {
        status = exitStatus;
        Thread exiting = new Thread(() -> System.exit(exitStatus), "parley-exit");
        exiting.setDaemon(true);
        exiting.start();
    }

    private void runShutdown() {
        Thread worker = new Thread(shutdown, "parley-shutdown-work");
        worker.setDaemon(true);
        worker.start();
        try {
            worker.join(bound.toMillis());
            if (worker.isAlive()) {
                System.err.println("parley: shutdown did not finish within " + bound.toSeconds() + " s; exiting anyway");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            System.out.flush();
            System.err.flush();
            Runtime.getRuntime().halt(status);
        }
    }
}
