package dev.parley.gateway.chat;

import dev.parley.gateway.http.SseWriter;
import dev.parley.gateway.openai.CompletionJson;
import dev.parley.gateway.resume.EventId;
import dev.parley.schemas.TokenLogprob;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * The {@code chat.completion.chunk} events of one stream, numbered from 0. A resumable stream gives each the SSE id
 * {@code <request id>:<n>}; a resumed one writes only the events after the one its client read last, so the events
 * of a stream and of its resumptions are the same, each delivered once.
 */
final class ChatEvents {

    private final SseWriter sse;
    private final String requestId;
    private final String model;
    private final long created;
    private final boolean withIds;
    private final long after;
    private long number;

    /**
     * @param withIds whether events carry ids (the stream can be resumed)
     * @param after   the number of the last event the client read ({@code -1}: none)
     */
    ChatEvents(SseWriter sse, String requestId, String model, long created, boolean withIds, long after) {
        this.sse = sse;
        this.requestId = requestId;
        this.model = model;
        this.created = created;
        this.withIds = withIds;
        this.after = after;
    }

    /** A chunk with this delta and finish reason ({@code null} while generating). */
    void chunk(Map<String, Object> delta, String finishReason) throws IOException {
        chunk(delta, finishReason, null);
    }

    /** A chunk with this delta, finish reason and the log probabilities of its tokens ({@code null}: none asked). */
    void chunk(Map<String, Object> delta, String finishReason, List<TokenLogprob> logprobs) throws IOException {
        chunk(0, delta, finishReason, logprobs);
    }

    /** A chunk of answer {@code index} (n > 1) with this delta, finish reason and log probabilities. */
    void chunk(int index, Map<String, Object> delta, String finishReason, List<TokenLogprob> logprobs)
            throws IOException {
        event(CompletionJson.chunk(requestId, model, created, index, delta, finishReason, logprobs));
    }

    /** An event of its own shape (the usage chunk, an error). */
    void event(Object json) throws IOException {
        long n = number++;
        if (n <= after) {
            return;
        }
        if (withIds) {
            sse.event(EventId.of(requestId, n), null, json);
        } else {
            sse.event(json);
        }
    }

    String model() {
        return model;
    }

    long created() {
        return created;
    }

    void ping() throws IOException {
        if (withIds) {
            sse.pingLine();
        } else {
            sse.ping();
        }
    }

    void done() throws IOException {
        sse.done();
    }
}
