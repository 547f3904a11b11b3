package dev.parley.gateway.responses;

import dev.parley.client.ParleyClient;
import dev.parley.gateway.auth.Tenant;
import dev.parley.gateway.chat.ReplyOutcome;
import dev.parley.gateway.conversation.ResolvedTurn;
import dev.parley.gateway.http.HttpExchange;
import dev.parley.gateway.limits.TenantPermits;
import dev.parley.gateway.openai.Json;
import dev.parley.gateway.openai.OpenAiException;
import dev.parley.gateway.ops.GatewayMetrics;
import dev.parley.schemas.Prompt;
import dev.parley.schemas.Reply;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code background: true}: the response is stored {@code queued} and answered at once; the prompt goes through
 * Kafka as any other, and its reply, whenever it comes, is stored over it ({@code completed}, {@code incomplete},
 * {@code cancelled} or {@code failed}) for {@code GET /v1/responses/{id}} to find, by this gateway (from one thread of
 * its own, never the SDK's) or by whichever gateway's {@link BackgroundCompletions} reads it first, so a response
 * completes when the gateway that sent it is gone. At most {@code max} wait on one gateway at once (429 past it).
 * {@code POST /v1/responses/{id}/cancel} asks the workers to stop one.
 */
final class BackgroundResponses implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(BackgroundResponses.class);
    private static final long CANCEL_ACK_SECONDS = 10;

    private final ParleyClient client;
    private final ResponseStore store;
    private final BackgroundCompletions completions;
    private final GatewayMetrics metrics;
    private final Duration timeout;
    private final Semaphore slots;
    private final int max;
    private final ExecutorService replies = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "gateway-background-responses");
        thread.setDaemon(true);
        return thread;
    });

    BackgroundResponses(ParleyClient client, ResponseStore store, BackgroundCompletions completions,
                        GatewayMetrics metrics, Duration timeout, int max) {
        this.client = client;
        this.store = store;
        this.completions = completions;
        this.metrics = metrics;
        this.timeout = timeout;
        this.max = max;
        this.slots = new Semaphore(max);
    }

    /** Stores the response queued, sends the prompt, and returns the queued response. */
    Map<String, Object> start(Tenant tenant, ResponseRequest request, ResolvedTurn turn, Prompt prompt, long createdAt,
                              Function<Reply, Map<String, Object>> finish) {
        if (!slots.tryAcquire()) {
            metrics.refused("background");
            throw OpenAiException.overloaded("the gateway has " + max + " background responses waiting; retry shortly",
                    TenantPermits.RETRY_AFTER);
        }
        boolean sent = false;
        try {
            Map<String, Object> queued = hold(tenant, request, turn, prompt, createdAt);
            client.send(prompt, timeout).whenCompleteAsync((reply, error) -> complete(tenant, request, prompt,
                    createdAt, reply, error, finish), replies);
            sent = true;
            return queued;
        } finally {
            if (!sent) {
                slots.release();
            }
        }
    }

    /**
     * Stores the response queued and awaits its reply in the {@link BackgroundCompletions} (so any gateway stores it);
     * returns the queued response. A background stream sends its prompt itself.
     */
    Map<String, Object> hold(Tenant tenant, ResponseRequest request, ResolvedTurn turn, Prompt prompt, long createdAt) {
        Map<String, Object> queued = ResponseJson.queued(request, prompt.requestId(), createdAt);
        store.save(tenant.name(), new StoredResponse((String) queued.get("id"), turn.conversationId(), 0,
                request.previousResponseId(), turn.system(), request.input(), "", Json.mapper().valueToTree(queued)));
        completions.expect(tenant.name(), prompt.requestId());
        return queued;
    }

    private void complete(Tenant tenant, ResponseRequest request, Prompt prompt, long createdAt, Reply reply,
                          Throwable error, Function<Reply, Map<String, Object>> finish) {
        String id = ResponseJson.responseId(prompt.requestId());
        try {
            if (store.find(tenant.name(), id) == null) {
                return; // deleted while it ran: it stays gone
            }
            Throwable failure = error;
            if (failure == null) {
                try {
                    finish.apply(ReplyOutcome.check(reply));
                    return;
                } catch (OpenAiException e) {
                    failure = e;
                }
            }
            OpenAiException openAi = ReplyOutcome.failure(failure);
            Map<String, Object> failed = ResponseJson.failed(request, prompt.requestId(), createdAt,
                    openAi.code() == null ? openAi.type() : openAi.code(), openAi.getMessage());
            store.save(tenant.name(), new StoredResponse(id, prompt.conversationId(), 0, request.previousResponseId(),
                    prompt.system(), request.input(), "", Json.mapper().valueToTree(failed)));
        } catch (RuntimeException e) {
            // Redis is away: the response stays queued until it is read as lost (StoredResponsesRoutes).
            log.warn("could not store background response {}: {}", id, e.getMessage());
        } finally {
            slots.release();
        }
    }

    /** {@code POST /v1/responses/{id}/cancel}: a queued background response is cancelled; any other is answered as it is. */
    void cancel(HttpExchange exchange) throws InterruptedException {
        Tenant tenant = exchange.attachment();
        StoredResponse stored = store.require(tenant.name(), exchange.pathParam("id"), "response_id");
        if (!stored.response().path("background").asBoolean(false)) {
            throw OpenAiException.invalidParam("response_id", "only background responses can be cancelled");
        }
        if (!"queued".equals(stored.response().path("status").asString())) {
            exchange.json(200, stored.response());
            return;
        }
        try {
            client.cancel(stored.conversationId(), ResponseJson.requestId(stored.id()))
                    .get(CANCEL_ACK_SECONDS, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw OpenAiException.unavailable("the cancel could not be sent: " + e.getMessage());
        }
        ObjectNode cancelled = (ObjectNode) stored.response().deepCopy();
        cancelled.put("status", "cancelled");
        // The worker's cancelled reply (with the text so far) is stored over this when it comes.
        store.save(tenant.name(), new StoredResponse(stored.id(), stored.conversationId(), stored.turn(),
                stored.previousResponseId(), stored.system(), stored.input(), "", cancelled));
        exchange.json(200, cancelled);
    }

    @Override
    public void close() {
        replies.shutdownNow();
    }
}
