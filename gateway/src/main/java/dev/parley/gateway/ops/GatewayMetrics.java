package dev.parley.gateway.ops;

import dev.parley.gateway.conversation.ResolvedTurn;
import dev.parley.gateway.http.Router;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.config.MeterFilter;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The gateway's meters: requests by route pattern, method and status (never by id), open streams, streams the client
 * left (each cancelled), how requests were mapped onto conversations, and batch lines.
 *
 * <p>Every tag value comes from a closed set: anyone who can reach the port chooses the method and the path, so a
 * method outside {@link #METHODS} is tagged {@code other} and a path no route matches is tagged by the router as
 * {@code unmatched}. A {@link MeterFilter} backs that up: past {@link #MAX_TAG_VALUES} values of one tag, further
 * meters of that name are denied rather than registered.
 */
public final class GatewayMetrics implements Router.Observer {

    /** The methods tagged by name; any other is {@code other}. */
    static final Set<String> METHODS = Set.of("GET", "POST", "DELETE", "PUT", "PATCH", "HEAD", "OPTIONS");
    /** The most distinct values one tag of a gateway meter may take. */
    static final int MAX_TAG_VALUES = 100;

    private final MeterRegistry registry;
    private final AtomicInteger openStreams = new AtomicInteger();
    private final Counter streamsAbandoned;
    private final Timer overhead;

    public GatewayMetrics(MeterRegistry registry) {
        this.registry = registry;
        for (String tag : Set.of("method", "route", "status", "reason", "kind", "outcome")) {
            registry.config().meterFilter(MeterFilter.maximumAllowableTags("parley.gateway", tag, MAX_TAG_VALUES,
                    MeterFilter.deny()));
        }
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
                .tag("method", methodTag(method)).tag("route", route).tag("status", String.valueOf(status))
                .register(registry).record(Duration.ofNanos(nanos));
    }

    /** A request method as a tag: its name when it is one of {@link #METHODS}, else {@code other}. */
    static String methodTag(String method) {
        return METHODS.contains(method) ? method : "other";
    }

    /**
     * A request refused to protect the gateway, by reason: {@code in_flight}, {@code tenant_requests},
     * {@code tenant_streams}.
     */
    public void refused(String reason) {
        Counter.builder("parley.gateway.refused").description("Requests answered 429 to protect the gateway or its "
                + "other tenants, by reason").tag("reason", reason).register(registry).increment();
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
                .tag("kind", kind.name().toLowerCase(Locale.ROOT)).register(registry).increment();
    }

    /** An {@code Idempotency-Key} request: {@code first}, {@code replayed}, {@code conflict} or {@code released}. */
    public void idempotency(String outcome) {
        Counter.builder("parley.gateway.idempotency").description("Requests with an Idempotency-Key, by outcome")
                .tag("outcome", outcome).register(registry).increment();
    }

    public void batchLine(String outcome) {
        Counter.builder("parley.gateway.batch.lines").description("Batch input lines finished, by outcome")
                .tag("outcome", outcome).register(registry).increment();
    }

    public MeterRegistry registry() {
        return registry;
    }
}
