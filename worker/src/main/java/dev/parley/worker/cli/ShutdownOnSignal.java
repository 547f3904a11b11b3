package dev.parley.worker.cli;

import java.util.concurrent.CountDownLatch;

/**
 * Runs a clean shutdown when the process gets SIGTERM or SIGINT, then exits with status 0 (a JVM ended by a signal
 * would report 143 even after a clean shutdown, and java-llama.cpp's native thread would keep a normal exit from
 * happening at all). Command-line code only.
 */
public final class ShutdownOnSignal {

    private ShutdownOnSignal() {
    }

    /** Registers {@code shutdown} and blocks the calling thread until the process ends. */
    public static void awaitSignal(Runnable shutdown) throws InterruptedException {
        CountDownLatch never = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                shutdown.run();
            } finally {
                System.out.flush();
                System.err.flush();
                Runtime.getRuntime().halt(0);
            }
        }, "parley-shutdown"));
        never.await();
    }
}
