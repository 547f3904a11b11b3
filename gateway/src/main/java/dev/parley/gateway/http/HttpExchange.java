package dev.parley.gateway.http;

import dev.parley.gateway.openai.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Blocker;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * One request and its response, for blocking routes: read the body, answer once (or stream with {@link #sse()}).
 * Writes block the calling (Jetty pool) thread until the bytes are with the network, which is what gives a stream
 * back-pressure and tells it when the client went away.
 */
public final class HttpExchange {

    private final Request request;
    private final Response response;
    private final Map<String, String> pathParams;
    private final String route;
    private final Callback done;
    private final BodyLimits limits;
    private final JsonMapper json;
    private int status;
    private boolean committed;
    private boolean completed;
    private Object attachment;
    private byte[] body;
    private Recording recording;

    HttpExchange(Request request, Response response, Map<String, String> pathParams, String route, Callback done,
                 BodyLimits limits, JsonMapper json) {
        this.request = request;
        this.response = response;
        this.pathParams = pathParams;
        this.route = route;
        this.done = done;
        this.limits = limits;
        this.json = json;
    }

    public String method() {
        return request.getMethod();
    }

    public String path() {
        return Request.getPathInContext(request);
    }

    /** The route's pattern, for metrics ({@code /v1/files/{id}}), never the concrete path. */
    public String route() {
        return route;
    }

    public String pathParam(String name) {
        return pathParams.get(name);
    }

    public String header(String name) {
        return request.getHeaders().get(name);
    }

    public String contentType() {
        return request.getHeaders().get(HttpHeader.CONTENT_TYPE);
    }

    public String query(String name) {
        Fields fields = Request.extractQueryParameters(request);
        Fields.Field field = fields.get(name);
        return field == null ? null : field.getValue();
    }

    /**
     * The whole body, read within this route's {@link BodyLimits}: 413 past its size limit (before reading when the
     * {@code Content-Length} says so), 408 when the client stops sending or sends too slowly.
     */
    public byte[] body() throws IOException {
        if (body != null) {
            return body; // read once already (to check an idempotency key), kept for the route
        }
        try {
            body = new BodyReader(request, limits.maxBytesFor(route), limits).read();
            return body;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while reading the request body", e);
        }
    }

    /**
     * The body as it arrives, for a route that bounds and consumes it itself (uploads stream to Redis in chunks
     * rather than being read whole).
     */
    public InputStream bodyStream() {
        return Content.Source.asInputStream(request);
    }

    /**
     * The body as a JSON object, parsed within the {@link BodyLimits}' nesting depth and string length: anything
     * else is a 400.
     */
    public JsonNode jsonBody() throws IOException {
        return Json.readObject(body(), json);
    }

    /** The declared body size, or -1 when the client did not say (chunked). */
    public long declaredLength() {
        return request.getLength();
    }

    /** A value the authenticating step leaves for the route (the tenant). */
    public void attach(Object value) {
        this.attachment = value;
    }

    @SuppressWarnings("unchecked")
    public <T> T attachment() {
        return (T) attachment;
    }

    public void header(String name, String value) {
        response.getHeaders().put(name, value);
        if (recording != null) {
            recording.header(name, value);
        }
    }

    /** From now on keeps a copy of the answer, up to {@code maxBytes} of body ({@link Recording}). */
    public Recording record(int maxBytes) {
        recording = new Recording(maxBytes);
        return recording;
    }

    public void json(int status, Object body) {
        send(status, "application/json", Json.write(body).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Answers with the whole body. The write is handed to Jetty with the request's completion callback, without
     * waiting for it: the bytes leave as soon as they would anyway, and the pool thread is free at once.
     */
    public void send(int status, String contentType, byte[] body) {
        this.status = status;
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        committed = true;
        completed = true;
        if (recording != null) {
            recording.start(status, contentType);
            recording.append(body, true);
        }
        response.write(true, ByteBuffer.wrap(body), done);
    }

    /**
     * Starts a response of {@code length} bytes that follow in chunks ({@link #writeChunk}), so a large download is
     * never held whole.
     */
    public void startChunked(int status, String contentType, long length) {
        this.status = status;
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, length);
        committed = true;
        if (recording != null) {
            recording.start(status, contentType);
        }
    }

    /** Writes one chunk of a response begun with {@link #startChunked}, blocking until the network took it. */
    public void writeChunk(boolean last, byte[] bytes) throws IOException {
        write(last, bytes);
    }

    /** Starts a server-sent event stream (status 200). */
    public SseWriter sse() throws IOException {
        this.status = 200;
        response.setStatus(200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream; charset=utf-8");
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
        response.getHeaders().put("X-Accel-Buffering", "no");
        committed = true;
        if (recording != null) {
            recording.start(200, "text/event-stream; charset=utf-8");
        }
        return new SseWriter(this);
    }

    void write(boolean last, byte[] bytes) throws IOException {
        try (Blocker.Callback callback = Blocker.callback()) {
            response.write(last, ByteBuffer.wrap(bytes), callback);
            callback.block();
        }
        if (recording != null) {
            recording.append(bytes, last);
        }
    }

    /** Whether the response was handed over whole ({@link #send}): the request completes by itself. */
    boolean completed() {
        return completed;
    }

    boolean committed() {
        return committed || response.isCommitted();
    }

    int status() {
        return status;
    }
}
