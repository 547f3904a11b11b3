package dev.parley.gateway.responses;

import dev.parley.gateway.auth.Tenant;
import dev.parley.gateway.conversation.ConversationResolver;
import dev.parley.gateway.conversation.HistoryReader;
import dev.parley.gateway.conversation.ResolvedTurn;
import dev.parley.gateway.conversation.StoredTurn;
import dev.parley.gateway.openai.OpenAiException;
import dev.parley.schemas.ChatMessage;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * Chooses the Parley conversation a Responses request goes to, so the worker holding it warm answers it:
 * <ul>
 *   <li>without {@code previous_response_id}: as a chat request would ({@link ConversationResolver}: the
 *       {@code X-Parley-Conversation-Id} header, else {@code prompt_cache_key}, else a digest of the start; a request
 *       that resends a history the gateway answered continues it);</li>
 *   <li>continuing the latest turn of its conversation (the worker's history ends with that response's turn): the
 *       same conversation, sending only the new input;</li>
 *   <li>continuing an older response (the conversation went on, or a response with {@code store: false} came in
 *       between), or one whose history the worker no longer has: a fork {@code <conversation>~<hex>} seeded with the
 *       chain of stored responses up to it, leaving the original as it was (as the chat route does for edits).</li>
 * </ul>
 */
final class ResponseConversations {

    private final ConversationResolver chat;
    private final HistoryReader history;
    private final ResponseStore store;
    private final RandomGenerator random;

    ResponseConversations(ConversationResolver chat, HistoryReader history, ResponseStore store, RandomGenerator random) {
        this.chat = chat;
        this.history = history;
        this.store = store;
        this.random = random;
    }

    /** @param named the conversation the request names ({@code ConversationKeys}: header, prompt_cache_key, ...) */
    ResolvedTurn resolve(Tenant tenant, ResponseRequest request, String named) {
        if (request.previousResponseId() == null) {
            return chat.resolve(tenant, request.chat(), named);
        }
        StoredResponse previous = store.require(tenant.name(), request.previousResponseId(), "previous_response_id");
        String status = previous.response().path("status").asString();
        if (status.equals("queued") || status.equals("failed") || status.equals("cancelled")) {
            throw OpenAiException.invalidParam("previous_response_id", "response " + previous.id() + " is " + status
                    + ": only an answered response can be continued");
        }
        List<StoredTurn> stored = history.load(previous.conversationId());
        if (!stored.isEmpty() && stored.get(stored.size() - 1).turn() == previous.turn()) {
            String system = request.chat().system();
            String current = currentSystem(previous.conversationId(), stored);
            // Instructions resent unchanged (as most clients do every turn) leave the warm prompt as it is.
            return new ResolvedTurn(previous.conversationId(), Objects.equals(system, current) ? null : system,
                    request.chat().messages(), ResolvedTurn.Kind.CONTINUED);
        }
        List<StoredResponse> chain = store.chain(tenant.name(), previous, 2 * ConversationResolver.MAX_SEED);
        List<ChatMessage> messages = new ArrayList<>();
        for (StoredResponse earlier : chain) {
            messages.addAll(ItemMessages.toChat(earlier.input().stream().filter(item -> !item.isSystem()).toList()));
            messages.add(ItemMessages.answer(earlier));
        }
        messages.addAll(request.chat().messages());
        String system = request.chat().system() != null ? request.chat().system() : previous.system();
        return new ResolvedTurn(fork(previous.conversationId()), system, ConversationResolver.seed(messages),
                ResolvedTurn.Kind.FORKED);
    }

    /** The system prompt the stored history has in force (the worker keeps it when its turn is trimmed). */
    private String currentSystem(String conversationId, List<StoredTurn> stored) {
        for (int i = stored.size() - 1; i >= 0; i--) {
            if (stored.get(i).system() != null) {
                return stored.get(i).system();
            }
        }
        return history.system(conversationId);
    }

    /** A prompt cache key that can name a conversation; another is only a cache hint and is left alone. */
    private String fork(String conversationId) {
        int tilde = conversationId.indexOf('~');
        String base = tilde < 0 ? conversationId : conversationId.substring(0, tilde);
        return base + "~" + HexFormat.of().toHexDigits(random.nextInt());
    }
}
