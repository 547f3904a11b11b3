package dev.parley.gateway.responses;

import dev.parley.client.ParleyClient;
import dev.parley.gateway.chat.ReplyOutcome;
import dev.parley.gateway.http.HttpExchange;
import dev.parley.gateway.openai.OpenAiException;
import dev.parley.gateway.ops.GatewayMetrics;
import dev.parley.schemas.Chunk;
import dev.parley.schemas.Prompt;
import dev.parley.schemas.Reply;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Relays one streamed response as {@link ResponseEvents}. As for chat streams, chunks arrive on the SDK's shared
 * reply thread and are written from the request's own thread, a retried generation's older attempts are dropped, a
 * client that goes away cancels the request, and a refusal for the tenant's quota before the first event is a real
 * 429 rather than an event in a 200 stream.
 */
final class ResponseStreamRelay {

    private final ParleyClient client;
    private final GatewayMetrics metrics;
    private final Duration pingInterval;

    ResponseStreamRelay(ParleyClient client, GatewayMetrics metrics, Duration pingInterval) {
        this.client = client;
        this.metrics = metrics;
        this.pingInterval = pingInterval;
    }

    /**
     * Streams the answer; {@code finish} turns the reply into the final response object (storing it). Returns the
     * reply, or {@code null} when the client left or the request failed.
     */
    Reply relay(HttpExchange exchange, Prompt prompt, Map<String, Object> inProgress,
                Function<Reply, Map<String, Object>> finish, Duration timeout) throws InterruptedException {
        BlockingQueue<Object> queue = new LinkedBlockingQueue<>();
        CompletableFuture<Reply> reply = client.sendStreamed(prompt, timeout, queue::add);
        reply.whenComplete((done, error) -> queue.add(done != null ? done : error));
        Object first = queue.poll(pingInterval.toMillis(), TimeUnit.MILLISECONDS);
        if (ReplyOutcome.rateLimited(first)) {
            throw ReplyOutcome.failure((Throwable) first);
        }
        metrics.streamOpened();
        try {
            ResponseEvents events = new ResponseEvents(exchange.sse(), prompt.requestId());
            events.start(inProgress, prompt.requestId());
            return relayEvents(events, first, queue, finish);
        } catch (IOException clientGone) {
            metrics.streamAbandoned();
            client.cancel(prompt.conversationId(), prompt.requestId());
            return null;
        } finally {
            metrics.streamClosed();
        }
    }

    private Reply relayEvents(ResponseEvents events, Object first, BlockingQueue<Object> queue,
                              Function<Reply, Map<String, Object>> finish) throws IOException, InterruptedException {
        int attempt = 1;
        Object event = first;
        while (true) {
            if (event == null) {
                events.ping();
            } else if (event instanceof Chunk chunk) {
                // What was already sent cannot be taken back: only the newest attempt's text is relayed.
                if (chunk.attempt() >= attempt) {
                    attempt = chunk.attempt();
                    if (!chunk.delta().isEmpty()) {
                        events.delta(chunk.delta());
                    }
                }
            } else if (event instanceof Reply done) {
                try {
                    Reply checked = ReplyOutcome.check(done);
                    events.finish(finish.apply(checked));
                    return checked;
                } catch (OpenAiException e) {
                    events.error(e.code() == null ? e.type() : e.code(), e.getMessage());
                    return null;
                }
            } else {
                OpenAiException e = ReplyOutcome.failure((Throwable) event);
                events.error(e.code() == null ? e.type() : e.code(), e.getMessage());
                return null;
            }
            event = queue.poll(pingInterval.toMillis(), TimeUnit.MILLISECONDS);
        }
    }
}
