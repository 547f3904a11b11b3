package dev.parley.gateway.responses;

import dev.parley.client.ParleyClient;
import dev.parley.gateway.auth.Tenant;
import dev.parley.gateway.chat.ReplyOutcome;
import dev.parley.gateway.chat.StreamedAnswer;
import dev.parley.gateway.http.HttpExchange;
import dev.parley.gateway.openai.Json;
import dev.parley.gateway.openai.OpenAiException;
import dev.parley.gateway.ops.GatewayMetrics;
import dev.parley.gateway.resume.AnswerSource;
import dev.parley.gateway.resume.StreamResumer;
import dev.parley.schemas.Chunk;
import dev.parley.schemas.Prompt;
import dev.parley.schemas.Reply;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.function.Function;

/**
 * Relays one streamed response as {@link ResponseEvents}. As for chat streams, chunks arrive on the SDK's shared
 * reply thread and are written from the request's own thread, a retried generation's older attempts are dropped, a
 * client that goes away cancels the request (after the {@link StreamResumer}'s grace, unless it resumed; never for a
 * background response), and a refusal for the tenant's quota before the first event is a real 429 rather than an
 * event in a 200 stream. {@link ResponseStreamResume} replays the same events on any gateway.
 */
final class ResponseStreamRelay {

    private final ParleyClient client;
    private final GatewayMetrics metrics;
    private final Duration pingInterval;
    private final StreamResumer resumer;

    ResponseStreamRelay(ParleyClient client, GatewayMetrics metrics, Duration pingInterval, StreamResumer resumer) {
        this.client = client;
        this.metrics = metrics;
        this.pingInterval = pingInterval;
        this.resumer = resumer;
    }

    /**
     * Streams the answer; {@code finish} turns the reply into the final response object (storing it). Returns the
     * reply, or {@code null} when the client left or the request failed.
     */
    Reply relay(HttpExchange exchange, Prompt prompt, Map<String, Object> inProgress,
                Function<Reply, Map<String, Object>> finish, Duration timeout, boolean background)
            throws InterruptedException {
        Tenant tenant = exchange.attachment();
        String responseId = ResponseJson.responseId(prompt.requestId());
        resumer.record(tenant.name(), responseId, prompt, background, Json.mapper().valueToTree(inProgress));
        StreamedAnswer answer = StreamedAnswer.send(client, prompt, timeout, pingInterval);
        metrics.streamOpened();
        try {
            ResponseEvents events = new ResponseEvents(exchange.sse(), prompt.requestId(), -1);
            events.start(inProgress);
            return relayEvents(events, answer, finish);
        } catch (IOException clientGone) {
            metrics.streamAbandoned();
            resumer.abandoned(tenant.name(), responseId, prompt, background);
            return null;
        } finally {
            metrics.streamClosed();
        }
    }

    /** Writes the events after {@code start}'s from {@code answer} to its end; the reply, or {@code null}. */
    static Reply relayEvents(ResponseEvents events, AnswerSource answer,
                             Function<Reply, Map<String, Object>> finish) throws IOException, InterruptedException {
        while (true) {
            Object event = answer.next();
            if (event == null) {
                events.ping();
            } else if (event instanceof Chunk chunk) {
                if (!chunk.delta().isEmpty()) {
                    events.delta(chunk.delta());
                }
                if (chunk.toolCalls() != null) {
                    events.toolCalls(chunk.toolCalls());
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
        }
    }
}
