package dev.parley.worker;

import java.util.ArrayDeque;
import java.util.Deque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a worker has built and must close, in the order it was built. {@link #close()} closes them last first, so that
 * each part closes while the parts it uses are still open; the worker calls it when it stops, and at once when
 * building a later part failed, so that a worker that never started leaves no thread, connection or client behind.
 * A part that fails to close is logged and the others still close.
 */
final class BuiltParts implements AutoCloseable {

    /** How a part is closed; may throw, like {@link AutoCloseable#close()}. */
    @FunctionalInterface
    interface Closer<T> {
        void close(T part) throws Exception;
    }

    private record Part(String name, Object part, Runnable close) {
    }

    private static final Logger log = LoggerFactory.getLogger(BuiltParts.class);

    private final Deque<Part> parts = new ArrayDeque<>();

    /** Adds a part closed by its own {@link AutoCloseable#close()}; returns it. */
    <T extends AutoCloseable> T add(String name, T part) {
        return add(name, part, AutoCloseable::close);
    }

    /** Adds a part closed by {@code closer}; returns it. */
    synchronized <T> T add(String name, T part, Closer<? super T> closer) {
        parts.push(new Part(name, part, () -> {
            try {
                closer.close(part);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // closing goes on: what is left must still be released
                log.warn("Closing the {} was interrupted", name);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }));
        return part;
    }

    /** {@code part} has a new owner that closes it (the intake's thread closes the consumer it polls). */
    synchronized void handOver(Object part) {
        parts.removeIf(held -> held.part() == part);
    }

    /** Closes every part, the last added first; a failure to close one is logged and the next is closed still. */
    @Override
    public void close() {
        Part part;
        while ((part = next()) != null) {
            try {
                part.close().run();
            } catch (RuntimeException | LinkageError e) {
                log.warn("Closing the {} failed; closing the other parts", part.name(), e);
            }
        }
    }

    /** Closes every part after building a later one failed with {@code failure}; rethrow it afterwards. */
    void closeAfter(Throwable failure) {
        log.error("The worker could not start ({}); closing the {} part(s) it had built", failure.toString(), size());
        close();
    }

    synchronized int size() {
        return parts.size();
    }

    private synchronized Part next() {
        return parts.poll();
    }
}
