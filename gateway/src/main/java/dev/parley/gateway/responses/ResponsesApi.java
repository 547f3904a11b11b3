package dev.parley.gateway.responses;

import dev.parley.client.ParleyClient;
import dev.parley.gateway.admission.Admission;
import dev.parley.gateway.conversation.ConversationResolver;
import dev.parley.gateway.conversation.HistoryReader;
import dev.parley.gateway.http.Route;
import dev.parley.gateway.http.Router;
import dev.parley.gateway.limits.InFlightLimit;
import dev.parley.gateway.limits.TenantPermits;
import dev.parley.gateway.models.ModelCatalog;
import dev.parley.gateway.ops.GatewayMetrics;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.function.UnaryOperator;
import redis.clients.jedis.RedisClient;

/**
 * OpenAI's Responses API ({@code /v1/responses}) over the pool, its state in Redis (docs/gateway.md, "Responses").
 */
public final class ResponsesApi implements AutoCloseable {

    /** What the gateway's chat route already has that the Responses API shares. */
    public record Shared(ParleyClient client, ModelCatalog models, ConversationResolver conversations,
                         HistoryReader history, GatewayMetrics metrics, InFlightLimit inFlight,
                         TenantPermits tenantPermits, Admission admission, Duration timeout,
                         Duration pingInterval) {
    }

    private final ResponsesRoute create;
    private final StoredResponsesRoutes stored;
    private final BackgroundResponses background;

    /**
     * @param redis where stored responses live
     */
    public ResponsesApi(RedisClient redis, Shared shared, ResponsesSettings settings) {
        Clock clock = Clock.systemUTC();
        ResponseStore store = new ResponseStore(redis, settings, clock);
        ResponseConversations conversations = new ResponseConversations(shared.conversations(), shared.history(),
                store, new SecureRandom());
        this.background = new BackgroundResponses(shared.client(), store, shared.metrics(), shared.timeout(),
                settings.maxBackground());
        this.create = new ResponsesRoute(shared, conversations, store, background, clock);
        // A queued response older than its prompt's deadline (and a margin for its reply) will not be answered.
        this.stored = new StoredResponsesRoutes(store, clock, shared.timeout().plusMinutes(1));
    }

    /** Adds the routes; {@code wrapCreate} wraps the create route (idempotency keys). */
    public void addRoutes(Router router, UnaryOperator<Route> wrapCreate) {
        router.add("POST", "/v1/responses", wrapCreate.apply(create))
                .add("GET", "/v1/responses/{id}", stored::get)
                .add("DELETE", "/v1/responses/{id}", stored::delete)
                .add("GET", "/v1/responses/{id}/input_items", stored::inputItems)
                .add("POST", "/v1/responses/{id}/cancel", background::cancel);
    }

    /** Stops storing background replies (those still waiting stay queued, then read as lost). */
    @Override
    public void close() {
        background.close();
    }
}
