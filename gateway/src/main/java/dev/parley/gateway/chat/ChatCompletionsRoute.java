package dev.parley.gateway.chat;

import dev.parley.client.ParleyClient;
import dev.parley.client.UnknownModelException;
import dev.parley.client.UnsupportedFeatureException;
import dev.parley.gateway.admission.Admission;
import dev.parley.gateway.auth.Tenant;
import dev.parley.gateway.conversation.ConversationKeys;
import dev.parley.gateway.conversation.ConversationResolver;
import dev.parley.gateway.conversation.ResolvedTurn;
import dev.parley.gateway.http.HttpExchange;
import dev.parley.gateway.http.Route;
import dev.parley.gateway.models.ModelCatalog;
import dev.parley.gateway.openai.ChatRequest;
import dev.parley.gateway.openai.ChatRequestParser;
import dev.parley.gateway.openai.CompletionJson;
import dev.parley.gateway.limits.InFlightLimit;
import dev.parley.gateway.limits.TenantPermits;
import dev.parley.gateway.openai.OpenAiException;
import dev.parley.gateway.ops.GatewayMetrics;
import dev.parley.gateway.resume.StreamResumer;
import dev.parley.schemas.ChatMessage;
import dev.parley.schemas.Prompt;
import dev.parley.schemas.Reply;
import dev.parley.schemas.Role;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * {@code POST /v1/chat/completions}: parse, check the model, map onto a conversation, send through the SDK, answer
 * with a {@code chat.completion} or a stream of chunks. At most {@code maxInFlight} requests wait at once (shared
 * with {@code /v1/responses}); past that the gateway answers 429 instead of queueing without bound. The place is
 * taken before the body is read, so refused requests cost no memory; a streamed request also takes one of its
 * tenant's stream places.
 */
public final class ChatCompletionsRoute implements Route {

    /** Response headers telling the client where its request went. */
    public static final String REQUEST_ID_HEADER = "X-Parley-Request-Id";
    /** A request with it resumes the stream it names instead of starting one (docs/gateway.md). */
    public static final String LAST_EVENT_ID = "Last-Event-ID";

    private final ParleyClient client;
    private final ModelCatalog models;
    private final ConversationResolver conversations;
    private final GatewayMetrics metrics;
    private final StreamRelay relay;
    private final Duration timeout;
    private final InFlightLimit inFlight;
    private final Clock clock;
    private final TenantPermits tenantPermits;
    private final ChatRequestParser parser = new ChatRequestParser();
    private final Admission admission;

    public ChatCompletionsRoute(ParleyClient client, ModelCatalog models, ConversationResolver conversations,
                                GatewayMetrics metrics, Duration timeout, InFlightLimit inFlight, Duration pingInterval,
                                TenantPermits tenantPermits, Admission admission, Clock clock,
                                StreamResumer resumer) {
        this.client = client;
        this.admission = admission;
        this.models = models;
        this.conversations = conversations;
        this.metrics = metrics;
        this.timeout = timeout;
        this.inFlight = inFlight;
        this.clock = clock;
        this.tenantPermits = tenantPermits;
        this.relay = new StreamRelay(client, metrics, pingInterval, resumer);
    }

    @Override
    public void handle(HttpExchange exchange) throws Exception {
        long started = System.nanoTime();
        Tenant tenant = exchange.attachment();
        inFlight.acquire();
        try {
            String lastEventId = exchange.header(LAST_EVENT_ID);
            if (lastEventId != null && relay.resumable()) {
                try (TenantPermits.Permit stream = tenantPermits.stream(tenant)) {
                    relay.resume(exchange, lastEventId);
                }
                return;
            }
            ChatRequest request = parse(exchange);
            try (TenantPermits.Permit stream = request.stream() ? tenantPermits.stream(tenant) : null;
                 Admission.Ticket admitted = admit(request, tenant)) {
                ResolvedTurn turn = conversations.resolve(tenant, request, ConversationKeys.of(exchange));
                Role last = turn.messages().get(turn.messages().size() - 1).role();
                if (last != Role.USER && last != Role.TOOL) { // a tool's result is answered like a user message
                    throw OpenAiException.invalidParam("messages", "the last message must have role user or tool");
                }
                metrics.conversation(turn.kind());
                Prompt prompt = prompt(request, turn, tenant);
                answer(exchange, tenant, request, turn, prompt, started);
            }
        } catch (IllegalArgumentException refused) {
            // The SDK refuses, before sending, what a worker would dead-letter; its message names the field.
            throw OpenAiException.badRequest(refused.getMessage());
        } catch (UnknownModelException gone) {
            // Its last announcement expired between the check above and the send.
            throw ModelCatalog.notFound(gone.model(), "model", gone.servedModels());
        } catch (UnsupportedFeatureException unable) {
            // The model's workers would dead-letter it: no reply would ever come.
            throw new OpenAiException(400, "invalid_request_error", null, "unsupported_feature",
                    unable.getMessage());
        } finally {
            inFlight.release();
        }
    }

    /** Checks the model, then admits the request to its pool or throws the 429. */
    private Admission.Ticket admit(ChatRequest request, Tenant tenant) {
        models.require(request.model(), "model");
        return admission.admit(models.promptModel(request.model()), tenant.name(), timeout);
    }

    /** The request; a value Jackson cannot convert (an integer past long) is the client's error, not a 500. */
    private ChatRequest parse(HttpExchange exchange) throws IOException {
        JsonNode body = exchange.jsonBody();
        try {
            return parser.parse(body);
        } catch (JacksonException e) {
            throw OpenAiException.badRequest("a parameter has a value out of range: "
                    + e.getOriginalMessage().lines().findFirst().orElse(""));
        }
    }

    private void answer(HttpExchange exchange, Tenant tenant, ChatRequest request, ResolvedTurn turn, Prompt prompt,
                        long started) throws Exception {
        exchange.header(ConversationResolver.HEADER, turn.conversationId());
        exchange.header(REQUEST_ID_HEADER, prompt.requestId());
        if (request.stream()) {
            Reply reply = relay.relay(exchange, prompt, request.model(), request.includeUsage(), timeout);
            if (reply != null && reply.isOk()) {
                conversations.remember(tenant, request, answer(reply), turn.conversationId());
            }
        } else {
            long[] waited = new long[2];
            Reply reply = await(prompt, waited);
            exchange.json(200, CompletionJson.completion(reply, request.model(), clock.instant().getEpochSecond()));
            // Everything but the wait for the pool: what the gateway adds to the SDK's round trip.
            metrics.overhead(System.nanoTime() - started - (waited[1] - waited[0]));
            // After the answer is on its way (the client needs a round trip before its next turn can look it up).
            if (reply.isOk()) {
                conversations.remember(tenant, request, answer(reply), turn.conversationId());
            }
        }
    }

    /** The reply as the assistant message a client sends back in its next request. */
    private static ChatMessage answer(Reply reply) {
        // A client sends a tool-calling answer back with null content (the parser reads "" as null too).
        boolean onlyCalls = reply.toolCalls() != null && (reply.content() == null || reply.content().isEmpty());
        return ChatMessage.assistant(onlyCalls ? null : reply.content(), reply.toolCalls());
    }

    /** Sends and waits; {@code waited} gets the instants the wait began and the reply arrived. */
    private Reply await(Prompt prompt, long[] waited) throws InterruptedException {
        try {
            waited[0] = System.nanoTime();
            Reply reply = client.send(prompt, timeout).whenComplete((r, e) -> waited[1] = System.nanoTime()).get();
            return ReplyOutcome.check(reply);
        } catch (ExecutionException e) {
            throw ReplyOutcome.failure(e);
        }
    }

    /** The prompt, charged to the API key's tenant (workers apply its token quota). */
    private Prompt prompt(ChatRequest request, ResolvedTurn turn, Tenant tenant) {
        Map<String, String> metadata = new LinkedHashMap<>(request.metadata());
        if (request.user() != null) {
            metadata.put("openai.user", request.user());
        }
        for (int i = 0; i < turn.messages().size(); i++) {
            ChatMessage message = turn.messages().get(i);
            if (message.content() != null && message.content().isEmpty()) {
                throw OpenAiException.invalidParam("messages", "Parley needs non-empty message content (message "
                        + i + " of the turn, role " + message.role().wireName() + ")");
            }
        }
        Prompt.Builder prompt = Prompt.builder().requestId(UUID.randomUUID().toString())
                .conversationId(turn.conversationId()).messages(turn.messages()).system(turn.system())
                .params(request.params()).stream(request.stream()).deadline(clock.instant().plus(timeout))
                .metadata(metadata.isEmpty() ? null : metadata).tenant(tenant.name())
                .model(models.promptModel(request.model()));
        return request.applyTo(prompt).build();
    }
}
