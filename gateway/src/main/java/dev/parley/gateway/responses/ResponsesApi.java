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
import dev.parley.gateway.resume.StreamResumer;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
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
    private final BackgroundCompletions completions;
    private final ResponseStreamResume resume;

    /**
     * @param redis   where stored responses live
     * @param resumer records streams and resumes them
     * @param replies the reply topic as the gateway reads it, for the group that completes background responses
     */
    public ResponsesApi(RedisClient redis, Shared shared, ResponsesSettings settings, StreamResumer resumer,
                        ReplyTopic replies) {
        Clock clock = Clock.systemUTC();
        ResponseStore store = new ResponseStore(redis, settings, clock);
        ResponseConversations conversations = new ResponseConversations(shared.conversations(), shared.history(),
                store, new SecureRandom());
        // A queued response older than its prompt's deadline (and a margin for its reply) will not be answered.
        Duration lostAfter = shared.timeout().plusMinutes(1);
        this.completions = new BackgroundCompletions(redis, store, BackgroundCompletions.groupConsumers(
                replies.bootstrapServers(), replies.kafkaProperties(), replies.clientId(), replies.topic()),
                replies.topic(), lostAfter);
        this.background = new BackgroundResponses(shared.client(), store, completions, shared.metrics(),
                shared.timeout(), settings.maxBackground());
        this.resume = new ResponseStreamResume(resumer, shared.tenantPermits(), shared.metrics());
        this.create = new ResponsesRoute(shared, conversations, store, background, clock, resumer, resume);
        this.stored = new StoredResponsesRoutes(store, clock, lostAfter);
    }

    /** Where the pool's replies are and how the gateway's Kafka clients connect. */
    public record ReplyTopic(String bootstrapServers, Map<String, String> kafkaProperties, String clientId,
                             String topic) {
    }

    /** Starts completing background responses from the reply topic. */
    public void start() {
        completions.start();
    }

    /** Adds the routes; {@code wrapCreate} wraps the create route (idempotency keys). */
    public void addRoutes(Router router, UnaryOperator<Route> wrapCreate) {
        router.add("POST", "/v1/responses", wrapCreate.apply(create))
                .add("GET", "/v1/responses/{id}", exchange -> {
                    if (ResponseStreamResume.asked(exchange)) {
                        resume.get(exchange);
                    } else {
                        stored.get(exchange);
                    }
                })
                .add("DELETE", "/v1/responses/{id}", stored::delete)
                .add("GET", "/v1/responses/{id}/input_items", stored::inputItems)
                .add("POST", "/v1/responses/{id}/cancel", background::cancel);
    }

    /** Stops storing background replies (other gateways' groups store those still waiting). */
    @Override
    public void close() {
        completions.close();
        background.close();
    }
}
