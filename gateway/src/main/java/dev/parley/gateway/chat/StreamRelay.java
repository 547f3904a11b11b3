package dev.parley.gateway.chat;

import dev.parley.client.ParleyClient;
import dev.parley.gateway.http.HttpExchange;
import dev.parley.gateway.http.SseWriter;
import dev.parley.gateway.openai.CompletionJson;
import dev.parley.gateway.openai.Json;
import dev.parley.gateway.openai.OpenAiException;
import dev.parley.gateway.ops.GatewayMetrics;
import dev.parley.schemas.Chunk;
import dev.parley.schemas.Prompt;
import dev.parley.schemas.Reply;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Relays one streamed request as server-sent {@code chat.completion.chunk} events: a first chunk with the role, one
 * per Parley chunk record, one with the finish reason, the usage chunk when asked for, then {@code data: [DONE]}.
 *
 * <p>Chunks are read on the request's own thread ({@link StreamedAnswer}), so a slow client never holds up other
 * requests' replies. A write that fails means the client went away: the request is cancelled so the worker stops
 * generating for nobody.
 */
final class StreamRelay {

    private final ParleyClient client;
    private final GatewayMetrics metrics;
    private final Duration pingInterval;

    StreamRelay(ParleyClient client, GatewayMetrics metrics, Duration pingInterval) {
        this.client = client;
        this.metrics = metrics;
        this.pingInterval = pingInterval;
    }

    /** Streams the answer; returns the final reply, or {@code null} when the client left or the request failed. */
    Reply relay(HttpExchange exchange, Prompt prompt, String model, boolean includeUsage, Duration timeout)
            throws InterruptedException {
        StreamedAnswer answer = StreamedAnswer.send(client, prompt, timeout, pingInterval);
        long created = System.currentTimeMillis() / 1000;
        metrics.streamOpened();
        try {
            SseWriter sse = exchange.sse();
            sse.event(CompletionJson.chunk(prompt.requestId(), model, created,
                    Json.object("role", "assistant", "content", ""), null));
            while (true) {
                Object event = answer.next();
                if (event == null) {
                    sse.ping();
                } else if (event instanceof Chunk chunk) {
                    List<Map<String, Object>> deltas = deltas(chunk);
                    for (int i = 0; i < deltas.size(); i++) {
                        sse.event(CompletionJson.chunk(prompt.requestId(), model, created, deltas.get(i), null,
                                i == deltas.size() - 1 ? chunk.logprobs() : null));
                    }
                } else if (event instanceof Reply done) {
                    return finish(sse, done, model, created, includeUsage);
                } else {
                    sse.event(Json.error(ReplyOutcome.failure((Throwable) event)));
                    sse.done();
                    return null;
                }
            }
        } catch (IOException clientGone) {
            metrics.streamAbandoned();
            client.cancel(prompt.conversationId(), prompt.requestId());
            return null;
        } finally {
            metrics.streamClosed();
        }
    }

    /**
     * The events' deltas of one chunk: a reasoning model's thinking (as llama-server and vLLM stream it), the text,
     * the tool-call pieces; the last carries the chunk's log probabilities, which get an empty content delta of
     * their own when the chunk has nothing else.
     */
    private static List<Map<String, Object>> deltas(Chunk chunk) {
        List<Map<String, Object>> deltas = new ArrayList<>(1);
        if (chunk.reasoningContent() != null) {
            deltas.add(Json.object("reasoning_content", chunk.reasoningContent()));
        }
        if (!chunk.delta().isEmpty() || (deltas.isEmpty() && chunk.toolCalls() == null && chunk.logprobs() != null)) {
            deltas.add(Json.object("content", chunk.delta()));
        }
        if (chunk.toolCalls() != null) {
            deltas.add(CompletionJson.toolCallsDelta(chunk.toolCalls()));
        }
        return deltas;
    }

    private static Reply finish(SseWriter sse, Reply done, String model, long created, boolean includeUsage)
            throws IOException {
        Reply checked;
        try {
            checked = ReplyOutcome.check(done);
        } catch (OpenAiException e) {
            sse.event(Json.error(e));
            sse.done();
            return null;
        }
        sse.event(CompletionJson.chunk(done.requestId(), model, created, Map.of(),
                CompletionJson.finishReason(done.finishReason())));
        if (includeUsage) {
            sse.event(CompletionJson.usageChunk(done, model, created));
        }
        sse.done();
        return checked;
    }
}
