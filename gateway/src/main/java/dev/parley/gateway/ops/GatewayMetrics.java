package dev.parley.gateway.ops;

import dev.parley.gateway.conversation.ResolvedTurn;
import dev.parley.gateway.http.Router;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The gateway's meters: requests by route pattern, method and status (never by id), open streams, streams the client
 * left (each cancelled), how requests were mapped onto conversations, and batch lines.
 */
public final class GatewayMetrics implements Router.Observer {

    private final MeterRegistry registry;
    private final AtomicInteger openStreams = new AtomicInteger();
    private final Counter streamsAbandoned;
    private final Timer overhead;

    public GatewayMetrics(MeterRegistry registry) {
        this.registry = registry;
        Gauge.builder("parley.gateway.streams.open", openStreams, AtomicInteger::get)
                .description("Server-sent event streams being written").register(registry);
        this.streamsAbandoned = Counter.builder("parley.gateway.streams.abandoned")
                .description("Streams whose client went away before the end; each one's request was cancelled")
                .register(registry);
        this.overhead = Timer.builder("parley.gateway.overhead")
                .description("Time a non-streamed chat request spends in the gateway itself: reading, parsing and "
                        + "mapping it before it is published, and rendering and writing the answer after the reply")
                .publishPercentiles(0.5, 0.99).register(registry);
    }

    /** The gateway's own time for one non-streamed chat request. */
    public void overhead(long nanos) {
        overhead.record(Duration.ofNanos(nanos));
    }

    /** The overhead timer, for benchmarks. */
    public Timer overheadTimer() {
        return overhead;
    }

    @Override
    public void finished(String method, String route, int status, long nanos) {
        Timer.builder("parley.gateway.requests").description("HTTP requests answered, by route and status")
                .tag("method", method).tag("route", route).tag("status", String.valueOf(status))
                .register(registry).record(Duration.ofNanos(nanos));
    }

    public void streamOpened() {
        openStreams.incrementAndGet();
    }

    public void streamClosed() {
        openStreams.decrementAndGet();
    }

    public void streamAbandoned() {
        streamsAbandoned.increment();
    }

    public void conversation(ResolvedTurn.Kind kind) {
        Counter.builder("parley.gateway.conversations").description("Chat requests by how they mapped onto a conversation")
                .tag("kind", kind.name().toLowerCase(java.util.Locale.ROOT)).register(registry).increment();
    }

    public void batchLine(String outcome) {
        Counter.builder("parley.gateway.batch.lines").description("Batch input lines finished, by outcome")
                .tag("outcome", outcome).register(registry).increment();
    }

    public MeterRegistry registry() {
        return registry;
    }
}
