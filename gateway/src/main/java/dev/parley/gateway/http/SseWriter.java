package dev.parley.gateway.http;

import dev.parley.gateway.openai.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Server-sent events: {@code data: <json>} frames, comment pings while nothing is produced (so a client that went
 * away is noticed before the answer is done), and the closing {@code data: [DONE]} that OpenAI clients wait for.
 * Every method throws {@link IOException} once the client is gone.
 */
public final class SseWriter {

    private final HttpExchange exchange;

    SseWriter(HttpExchange exchange) {
        this.exchange = exchange;
    }

    public void event(Object json) throws IOException {
        exchange.write(false, ("data: " + Json.write(json) + "\n\n").getBytes(StandardCharsets.UTF_8));
    }

    /** A comment line: clients ignore it, a closed connection fails it. */
    public void ping() throws IOException {
        exchange.write(false, ": ping\n\n".getBytes(StandardCharsets.UTF_8));
    }

    /**
     * A comment line without the blank line that ends an event, for streams whose events carry ids: once a client of
     * the {@code openai} Python package has seen an id, it takes every blank line for an event, and fails on its
     * empty data (the SSE spec dispatches nothing there). A closed connection fails it as {@link #ping()} does.
     */
    public void pingLine() throws IOException {
        exchange.write(false, ": ping\n".getBytes(StandardCharsets.UTF_8));
    }

    /** A named event ({@code event: <name>}), as the Responses API streams them. */
    public void event(String name, Object json) throws IOException {
        exchange.write(false, ("event: " + name + "\ndata: " + Json.write(json) + "\n\n").getBytes(StandardCharsets.UTF_8));
    }

    /**
     * An event with an SSE {@code id} (what a client sends back as {@code Last-Event-ID} to resume after it) and,
     * unless {@code null}, a name.
     */
    public void event(String id, String name, Object json) throws IOException {
        String frame = "id: " + id + "\n" + (name == null ? "" : "event: " + name + "\n") + "data: " + Json.write(json)
                + "\n\n";
        exchange.write(false, frame.getBytes(StandardCharsets.UTF_8));
    }

    /** Ends a stream that has no closing frame (the Responses API's ends with its last event). */
    public void end() throws IOException {
        exchange.write(true, new byte[0]);
    }

    public void done() throws IOException {
        exchange.write(true, "data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
    }
}
