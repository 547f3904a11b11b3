package dev.parley.gateway.http;

import dev.parley.gateway.openai.OpenAiException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;

/**
 * Reads one request body into memory within its {@link BodyLimits}: never more than the limit (plus one chunk), and
 * never waiting on a client that stopped sending or sends too slowly. Reads Jetty's chunks itself rather than through
 * a blocking stream, so the wait for the next chunk can be bounded.
 */
final class BodyReader {

    /** How often a wait for the next chunk looks at the clock: the precision of the idle and rate checks. */
    private static final long CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

    private final Request request;
    private final long maxBytes;
    private final BodyLimits limits;
    private final long startNanos = System.nanoTime();
    private long lastByteNanos = startNanos;
    private long total;

    BodyReader(Request request, long maxBytes, BodyLimits limits) {
        this.request = request;
        this.maxBytes = maxBytes;
        this.limits = limits;
    }

    /** 413 before a byte is read when the declared length is already too large. */
    static void checkDeclaredLength(Request request, long maxBytes) {
        long declared = request.getLength();
        if (declared > maxBytes) {
            throw tooLarge(maxBytes);
        }
    }

    byte[] read() throws IOException, InterruptedException {
        checkDeclaredLength(request, maxBytes);
        long declared = request.getLength();
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(declared > 0 ? declared : 8192, 1 << 16));
        CountDownLatch ready = null;
        while (true) {
            if (ready != null) {
                if (!ready.await(CHECK_NANOS, TimeUnit.NANOSECONDS)) {
                    checkPace(System.nanoTime());
                    continue;
                }
                ready = null;
            }
            Content.Chunk chunk = request.read();
            if (chunk == null) {
                CountDownLatch latch = new CountDownLatch(1);
                request.demand(latch::countDown);
                ready = latch;
                continue;
            }
            try {
                if (Content.Chunk.isFailure(chunk)) {
                    throw new IOException("reading the request body failed", chunk.getFailure());
                }
                copy(chunk.getByteBuffer(), out);
            } finally {
                chunk.release();
            }
            if (chunk.isLast()) {
                return out.toByteArray();
            }
            checkPace(System.nanoTime());
        }
    }

    private void copy(ByteBuffer buffer, ByteArrayOutputStream out) {
        int size = buffer.remaining();
        if (size == 0) {
            return;
        }
        if (total + size > maxBytes) {
            throw tooLarge(maxBytes);
        }
        byte[] bytes = new byte[size];
        buffer.get(bytes);
        out.write(bytes, 0, size);
        total += size;
        lastByteNanos = System.nanoTime();
    }

    private void checkPace(long now) {
        if (now - lastByteNanos > limits.idleTimeout().toNanos()) {
            throw tooSlow("no part of the request body arrived for " + limits.idleTimeout().toSeconds() + " s");
        }
        long elapsed = now - startNanos;
        if (limits.minBytesPerSecond() > 0 && elapsed > limits.grace().toNanos()
                && total * 1_000_000_000.0 / elapsed < limits.minBytesPerSecond()) {
            throw tooSlow("the request body arrived slower than " + limits.minBytesPerSecond() + " bytes/s");
        }
    }

    static OpenAiException tooLarge(long maxBytes) {
        return new OpenAiException(413, "invalid_request_error", null, "request_too_large",
                "the request body is larger than this route's limit of " + maxBytes + " bytes");
    }

    private static OpenAiException tooSlow(String message) {
        return new OpenAiException(408, "invalid_request_error", null, "request_timeout", message);
    }
}
