package dev.parley.gateway.http;

import dev.parley.gateway.openai.Json;
import dev.parley.gateway.openai.OpenAiException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * Matches {@code METHOD /path/{param}} patterns and runs their routes on Jetty's pool threads (blocking is fine there:
 * the handler declares itself blocking). Errors become OpenAI error bodies; every answer is reported to an
 * {@link Observer} by route pattern and status.
 *
 * <p>The order is the point: a declared body too large for its route is refused (413) before authentication, and a
 * protected route's {@link Admission} permit is taken after authentication and before the route reads a byte of its
 * body, so a tenant at its limits costs the gateway no memory.
 */
public final class Router extends Handler.Abstract {

    private static final Logger log = LoggerFactory.getLogger(Router.class);

    /** Sees each finished request: for metrics. */
    public interface Observer {
        void finished(String method, String route, int status, long nanos);

        Observer NONE = (method, route, status, nanos) -> { };
    }

    /** Runs before a route marked as protected: authentication. */
    public interface Guard {
        void check(HttpExchange exchange);
    }

    /** Admits an authenticated request (or throws a 429): the permit is held until the route is done. */
    public interface Admission {
        AutoCloseable admit(HttpExchange exchange);

        Admission NONE = exchange -> () -> { };
    }

    private record Entry(String method, String pattern, String[] segments, Route route, boolean guarded) {
    }

    private final List<Entry> entries = new ArrayList<>();
    private final Guard guard;
    private final Observer observer;
    private final BodyLimits limits;
    private final JsonMapper json;
    private Admission admission = Admission.NONE;
    private LoopbackScreen screen;

    public Router(Guard guard, Observer observer, BodyLimits limits) {
        super(InvocationType.BLOCKING);
        this.guard = guard;
        this.observer = observer;
        this.limits = limits;
        this.json = limits.jsonMapper();
    }

    /** Admits each protected request after authentication (per-tenant limits). */
    public Router admission(Admission admission) {
        this.admission = admission;
        return this;
    }

    /** Screens every request of a gateway without authentication (Host and Content-Type checks). */
    public Router screen(LoopbackScreen screen) {
        this.screen = screen;
        return this;
    }

    /** A route behind the guard. */
    public Router add(String method, String pattern, Route route) {
        entries.add(new Entry(method, pattern, pattern.substring(1).split("/"), route, true));
        return this;
    }

    /** A route open to anyone (health, metrics). */
    public Router addOpen(String method, String pattern, Route route) {
        entries.add(new Entry(method, pattern, pattern.substring(1).split("/"), route, false));
        return this;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        long start = System.nanoTime();
        String path = Request.getPathInContext(request);
        Match match = find(request.getMethod(), path);
        String routeName = match.entry() != null ? match.entry().pattern : "unmatched";
        HttpExchange exchange = new HttpExchange(request, response, match.params(), routeName, callback, limits, json);
        try {
            dispatch(request, path, match, exchange);
            if (!exchange.completed()) {
                callback.succeeded(); // a stream, written to its end
            }
        } catch (OpenAiException e) {
            answerError(exchange, e, callback);
        } catch (Exception e) {
            answerFailure(request, path, exchange, e, callback);
        } finally {
            observer.finished(request.getMethod(), routeName, exchange.status() == 0 ? 500 : exchange.status(),
                    System.nanoTime() - start);
        }
        return true;
    }

    /**
     * The route for a request, or none.
     *
     * @param entry   the route of this path and method, or {@code null}
     * @param params  the path parameters of {@code entry}
     * @param allowed the methods with a route for this path, for the 405's Allow header
     */
    private record Match(Entry entry, Map<String, String> params, List<String> allowed) {
    }

    private Match find(String method, String path) {
        String[] parts = path.length() > 1 ? path.substring(1).split("/") : new String[] {""};
        List<String> allowed = new ArrayList<>();
        for (Entry entry : entries) {
            Map<String, String> found = match(entry.segments, parts);
            if (found != null) {
                allowed.add(entry.method);
                if (entry.method.equals(method)) {
                    return new Match(entry, found, allowed);
                }
            }
        }
        return new Match(null, new HashMap<>(), allowed);
    }

    /** The checks in their order (see the class comment), then the route. */
    private void dispatch(Request request, String path, Match match, HttpExchange exchange) throws Exception {
        if (screen != null) {
            screen.checkHost(request);
        }
        Entry matched = match.entry();
        if (matched == null) {
            if (!match.allowed().isEmpty()) {
                exchange.header("Allow", String.join(", ", match.allowed()));
                throw OpenAiException.methodNotAllowed(request.getMethod(), path);
            }
            throw OpenAiException.notFound(null, "unknown_url", "Unknown request URL: " + request.getMethod()
                    + " " + path);
        }
        if (screen != null) {
            screen.checkContentType(request, matched.pattern);
        }
        BodyReader.checkDeclaredLength(request, limits.maxBytesFor(matched.pattern));
        run(matched, exchange);
    }

    /** A failure that is no {@link OpenAiException}: a bug, or a stream that broke. */
    private static void answerFailure(Request request, String path, HttpExchange exchange, Exception e,
                                      Callback callback) {
        if (exchange.completed()) {
            log.debug("{} {} failed after its answer was sent: {}", request.getMethod(), path, e.toString());
        } else if (exchange.committed()) {
            // A stream whose client went away, or that broke mid-way: nothing more can be said to it.
            log.debug("{} {} ended after the response started: {}", request.getMethod(), path, e.toString());
            callback.failed(e);
        } else {
            log.warn("{} {} failed", request.getMethod(), path, e);
            // The message stays in the log: it may name internals (hosts, Redis errors) no client should see.
            answerError(exchange, OpenAiException.internal("internal error; the gateway log has the details"),
                    callback);
        }
    }

    private void run(Entry matched, HttpExchange exchange) throws Exception {
        if (!matched.guarded) {
            matched.route.handle(exchange);
            return;
        }
        guard.check(exchange);
        try (AutoCloseable permit = admission.admit(exchange)) {
            matched.route.handle(exchange);
        }
    }

    private static void answerError(HttpExchange exchange, OpenAiException e, Callback callback) {
        if (exchange.completed()) {
            return;
        }
        if (exchange.committed()) {
            callback.failed(e);
            return;
        }
        if (e.retryAfter() != null) {
            long millis = e.retryAfter().toMillis();
            // Retry-After counts whole seconds (rounded up, so a client never comes back too early).
            exchange.header("Retry-After", Long.toString((millis + 999) / 1000));
            exchange.header("retry-after-ms", Long.toString(millis));
        }
        if (e.status() == 408 || e.status() == 413) {
            // The rest of the body is not read: the connection cannot carry another request.
            exchange.header("Connection", "close");
        }
        exchange.json(e.status(), Json.error(e));
    }

    private static Map<String, String> match(String[] pattern, String[] parts) {
        if (pattern.length != parts.length) {
            return null;
        }
        Map<String, String> params = new HashMap<>();
        for (int i = 0; i < pattern.length; i++) {
            String p = pattern[i];
            if (p.startsWith("{") && p.endsWith("}")) {
                if (parts[i].isEmpty()) {
                    return null;
                }
                params.put(p.substring(1, p.length() - 1), parts[i]);
            } else if (!p.equals(parts[i])) {
                return null;
            }
        }
        return params;
    }
}
