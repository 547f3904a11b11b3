package dev.parley.gateway.responses;

import dev.parley.gateway.auth.Tenant;
import dev.parley.gateway.chat.ChatCompletionsRoute;
import dev.parley.gateway.conversation.ConversationResolver;
import dev.parley.gateway.http.HttpExchange;
import dev.parley.gateway.limits.TenantPermits;
import dev.parley.gateway.openai.OpenAiException;
import dev.parley.gateway.ops.GatewayMetrics;
import dev.parley.gateway.resume.EventId;
import dev.parley.gateway.resume.KafkaReplay;
import dev.parley.gateway.resume.StreamRecord;
import dev.parley.gateway.resume.StreamResumer;
import java.io.IOException;
import tools.jackson.databind.JsonNode;

/**
 * Resuming a streamed response, on any gateway: {@code GET /v1/responses/{id}?stream=true&starting_after=N} (as
 * OpenAI's), or a {@code Last-Event-ID} header there or on {@code POST /v1/responses}. The events after the one named
 * are replayed from the reply topic, numbered as the stream numbered them, to the stream's end, which may still be
 * to come. Its last event's response is the one the stream ended with (built again from the reply, not read from the
 * store, so a response with {@code store: false} resumes as well).
 */
final class ResponseStreamResume {

    private final StreamResumer resumer;
    private final TenantPermits tenantPermits;
    private final GatewayMetrics metrics;

    ResponseStreamResume(StreamResumer resumer, TenantPermits tenantPermits, GatewayMetrics metrics) {
        this.resumer = resumer;
        this.tenantPermits = tenantPermits;
        this.metrics = metrics;
    }

    /** Whether the request asks for a resume rather than the stored response. */
    static boolean asked(HttpExchange exchange) {
        return "true".equals(exchange.query("stream"));
    }

    /** {@code GET /v1/responses/{id}?stream=true}: from {@code starting_after}, else {@code Last-Event-ID}, else 0. */
    void get(HttpExchange exchange) throws InterruptedException {
        String id = exchange.pathParam("id");
        String startingAfter = exchange.query("starting_after");
        String lastEventId = exchange.header(ChatCompletionsRoute.LAST_EVENT_ID);
        EventId after = startingAfter != null ? EventId.parse(startingAfter, id, "starting_after")
                : lastEventId != null ? EventId.parse(lastEventId, id, ChatCompletionsRoute.LAST_EVENT_ID)
                : new EventId(id, -1);
        resume(exchange, after);
    }

    /** {@code POST /v1/responses} with {@code Last-Event-ID: <response id>:<n>}. */
    void post(HttpExchange exchange, String lastEventId) throws InterruptedException {
        resume(exchange, EventId.parse(lastEventId, null, ChatCompletionsRoute.LAST_EVENT_ID));
    }

    private void resume(HttpExchange exchange, EventId after) throws InterruptedException {
        Tenant tenant = exchange.attachment();
        StreamRecord stream = resumer.find(tenant.name(), after.streamId(), "response_id");
        JsonNode inProgress = stream.details();
        if (!"response".equals(inProgress.path("object").asString())) {
            throw OpenAiException.invalidParam("response_id", "'" + after.streamId() + "' is not a streamed response");
        }
        exchange.header(ConversationResolver.HEADER, stream.conversationId());
        exchange.header(ChatCompletionsRoute.REQUEST_ID_HEADER, stream.requestId());
        try (TenantPermits.Permit place = tenantPermits.stream(tenant); KafkaReplay replay = resumer.replay(stream)) {
            metrics.streamOpened();
            try {
                ResponseEvents events = new ResponseEvents(exchange.sse(), stream.requestId(), after.number());
                events.start(inProgress);
                ResponseStreamRelay.relayEvents(events, replay, reply -> FinishedResponses.from(inProgress, reply));
            } catch (IOException clientGone) {
                metrics.streamAbandoned(); // it can be resumed again; the response goes on
            } finally {
                metrics.streamClosed();
            }
        }
    }
}
