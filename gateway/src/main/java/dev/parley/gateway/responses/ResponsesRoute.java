package dev.parley.gateway.responses;

import dev.parley.client.ParleyClient;
import dev.parley.client.UnknownModelException;
import dev.parley.client.UnsupportedFeatureException;
import dev.parley.gateway.auth.Tenant;
import dev.parley.gateway.admission.Admission;
import dev.parley.gateway.chat.ChatCompletionsRoute;
import dev.parley.gateway.chat.ReplyOutcome;
import dev.parley.gateway.conversation.ConversationKeys;
import dev.parley.gateway.conversation.ConversationResolver;
import dev.parley.gateway.conversation.ResolvedTurn;
import dev.parley.gateway.http.HttpExchange;
import dev.parley.gateway.http.Route;
import dev.parley.gateway.limits.InFlightLimit;
import dev.parley.gateway.limits.TenantPermits;
import dev.parley.gateway.models.ModelCatalog;
import dev.parley.gateway.openai.Json;
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

/**
 * {@code POST /v1/responses}: the chat route's path to the pool (the same in-flight bound, tenant stream places,
 * model check and prompt), with the conversation chosen by {@link ResponseConversations} and the answer in the
 * Responses shape; a response with {@code store} (the default) is kept in the {@link ResponseStore} once answered.
 */
public final class ResponsesRoute implements Route {

    private final ParleyClient client;
    private final ModelCatalog models;
    private final ResponseConversations conversations;
    private final ConversationResolver chatConversations;
    private final ResponseStore store;
    private final GatewayMetrics metrics;
    private final InFlightLimit inFlight;
    private final TenantPermits tenantPermits;
    private final Admission admission;
    private final ResponseStreamRelay relay;
    private final ResponseStreamResume resume;
    private final BackgroundResponses background;
    private final Duration timeout;
    private final Clock clock;
    private final ResponseRequestParser parser = new ResponseRequestParser();

    ResponsesRoute(ResponsesApi.Shared shared, ResponseConversations conversations, ResponseStore store,
                   BackgroundResponses background, Clock clock, StreamResumer resumer, ResponseStreamResume resume) {
        this.client = shared.client();
        this.models = shared.models();
        this.conversations = conversations;
        this.chatConversations = shared.conversations();
        this.store = store;
        this.metrics = shared.metrics();
        this.inFlight = shared.inFlight();
        this.tenantPermits = shared.tenantPermits();
        this.admission = shared.admission();
        this.relay = new ResponseStreamRelay(client, metrics, shared.pingInterval(), resumer);
        this.resume = resume;
        this.background = background;
        this.timeout = shared.timeout();
        this.clock = clock;
    }

    @Override
    public void handle(HttpExchange exchange) throws Exception {
        Tenant tenant = exchange.attachment();
        inFlight.acquire();
        try {
            String lastEventId = exchange.header(ChatCompletionsRoute.LAST_EVENT_ID);
            if (lastEventId != null) {
                resume.post(exchange, lastEventId);
                return;
            }
            ResponseRequest request = parse(exchange, tenant);
            models.require(request.chat().model(), "model");
            try (TenantPermits.Permit stream = request.chat().stream() ? tenantPermits.stream(tenant) : null;
                 Admission.Ticket admitted = admission.admit(models.promptModel(request.chat().model()), tenant.name(),
                         timeout)) {
                ResolvedTurn turn = conversations.resolve(tenant, request, ConversationKeys.of(exchange));
                Role last = turn.messages().isEmpty() ? null : turn.messages().get(turn.messages().size() - 1).role();
                if (last != Role.USER && last != Role.TOOL) { // a function's output is answered like a user message
                    throw OpenAiException.invalidParam("input", "the last input item must be a message with role user"
                            + " or a function_call_output");
                }
                metrics.conversation(turn.kind());
                Prompt prompt = prompt(request, turn, tenant);
                exchange.header(ConversationResolver.HEADER, turn.conversationId());
                exchange.header(ChatCompletionsRoute.REQUEST_ID_HEADER, prompt.requestId());
                answer(exchange, tenant, request, turn, prompt);
            }
        } catch (IllegalArgumentException refused) {
            throw OpenAiException.badRequest(refused.getMessage());
        } catch (UnknownModelException gone) {
            throw ModelCatalog.notFound(gone.model(), "model", gone.servedModels());
        } catch (UnsupportedFeatureException unable) {
            throw new OpenAiException(400, "invalid_request_error", null, "unsupported_feature",
                    unable.getMessage());
        } finally {
            inFlight.release();
        }
    }

    private ResponseRequest parse(HttpExchange exchange, Tenant tenant) throws IOException {
        try {
            return parser.parse(exchange.jsonBody(), id -> ItemReferences.find(store, tenant.name(), id));
        } catch (JacksonException e) {
            throw OpenAiException.badRequest("a parameter has a value out of range: "
                    + e.getOriginalMessage().lines().findFirst().orElse(""));
        }
    }

    private void answer(HttpExchange exchange, Tenant tenant, ResponseRequest request, ResolvedTurn turn,
                        Prompt prompt) throws Exception {
        long createdAt = clock.instant().getEpochSecond();
        if (request.background() && request.chat().stream()) {
            // Stored queued first, so that any gateway completes it if this one goes; a hang-up leaves it running.
            background.hold(tenant, request, turn, prompt, createdAt);
            relay.relay(exchange, prompt, ResponseJson.inProgress(request, prompt.requestId(), createdAt),
                    reply -> finish(tenant, request, turn, reply, createdAt), timeout, true);
            return;
        }
        if (request.background()) {
            exchange.json(200, background.start(tenant, request, turn, prompt, createdAt,
                    reply -> finish(tenant, request, turn, reply, createdAt)));
            return;
        }
        if (request.chat().stream()) {
            relay.relay(exchange, prompt, ResponseJson.inProgress(request, prompt.requestId(), createdAt),
                    reply -> finish(tenant, request, turn, reply, createdAt), timeout, false);
            return;
        }
        Reply reply;
        try {
            reply = ReplyOutcome.check(client.send(prompt, timeout).get());
        } catch (ExecutionException e) {
            throw ReplyOutcome.failure(e);
        }
        exchange.json(200, finish(tenant, request, turn, reply, createdAt));
    }

    /** The response object; stored first when asked, so the client never holds an id the gateway cannot find. */
    private Map<String, Object> finish(Tenant tenant, ResponseRequest request, ResolvedTurn turn, Reply reply,
                                       long createdAt) {
        Map<String, Object> response = ResponseJson.finished(request, reply, createdAt);
        String answer = reply.content() == null ? "" : reply.content();
        if (request.store()) {
            store.save(tenant.name(), new StoredResponse((String) response.get("id"), turn.conversationId(),
                    reply.turn() == null ? 0 : reply.turn(), request.previousResponseId(),
                    systemInForce(tenant, request, turn), request.input(), answer,
                    Json.mapper().valueToTree(response)));
        }
        if (request.previousResponseId() == null && reply.isOk()) {
            // A client that resends the whole history next time (store: false) finds this conversation warm.
            chatConversations.remember(tenant, request.chat(), ItemMessages.answer(reply), turn.conversationId());
        }
        return response;
    }

    /** What a fork from this response starts with: its own system prompt, else the one it inherited. */
    private String systemInForce(Tenant tenant, ResponseRequest request, ResolvedTurn turn) {
        if (request.chat().system() != null) {
            return request.chat().system();
        }
        if (turn.system() != null) {
            return turn.system();
        }
        StoredResponse previous = request.previousResponseId() == null ? null
                : store.find(tenant.name(), request.previousResponseId());
        return previous == null ? null : previous.system();
    }

    /** The prompt, charged to the API key's tenant, as the chat route builds it. */
    private Prompt prompt(ResponseRequest request, ResolvedTurn turn, Tenant tenant) {
        Map<String, String> metadata = new LinkedHashMap<>(request.chat().metadata());
        if (request.chat().user() != null) {
            metadata.put("openai.user", request.chat().user());
        }
        for (ChatMessage message : turn.messages()) {
            if (message.content() != null && message.content().isEmpty()) { // null: an assistant's function calls
                throw OpenAiException.invalidParam("input", "Parley needs non-empty message content (a "
                        + message.role().wireName() + " message is empty)");
            }
        }
        Prompt.Builder prompt = Prompt.builder().requestId(UUID.randomUUID().toString())
                .conversationId(turn.conversationId()).messages(turn.messages()).system(turn.system())
                .params(request.chat().params()).stream(request.chat().stream())
                .deadline(clock.instant().plus(timeout)).metadata(metadata.isEmpty() ? null : metadata)
                .tenant(tenant.name()).model(models.promptModel(request.chat().model()));
        return request.chat().applyTo(prompt).build(); // its tools, as the chat route sends them
    }
}
