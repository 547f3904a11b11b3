package dev.parley.gateway.conversation;

import dev.parley.gateway.http.HttpExchange;
import dev.parley.gateway.openai.OpenAiException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import tools.jackson.databind.JsonNode;

/**
 * The name a stateless request gives its conversation, from the standard places clients put one, in order: Parley's
 * own {@code X-Parley-Conversation-Id} header, OpenAI's {@code prompt_cache_key}, a session header
 * ({@code X-Session-Id}, as agent frameworks and proxies send), LiteLLM's {@code metadata.session_id}. Without any,
 * the resolver derives the conversation from the request's start. Every name is put under the tenant
 * ({@link ConversationIds}), so no key reaches another tenant's conversations.
 *
 * <p>Parley's header must be a conversation name ({@link ConversationResolver#HEADER_PATTERN}): a malformed one is
 * a 400. The other places carry whatever their clients choose (a UUID with braces, an e-mail address), so a value
 * that is not a name is hashed into one rather than refused.
 */
public final class ConversationKeys {

    /** The session header agent frameworks and proxies send. */
    public static final String SESSION_HEADER = "X-Session-Id";
    /** Longest value taken from the other places; a longer one is not a session key but an accident. */
    static final int MAX_KEY_CHARS = 1024;

    private ConversationKeys() {
    }

    /** The conversation name the request gives, or {@code null} when it names none. */
    public static String of(HttpExchange exchange) throws IOException {
        return of(exchange.header(ConversationResolver.HEADER), exchange.header(SESSION_HEADER), exchange.jsonBody());
    }

    /**
     * The conversation name for a request, or {@code null} when it names none.
     *
     * @param parleyHeader  the {@code X-Parley-Conversation-Id} header, or {@code null}
     * @param sessionHeader the {@code X-Session-Id} header, or {@code null}
     * @param body          the request body
     */
    public static String of(String parleyHeader, String sessionHeader, JsonNode body) {
        if (parleyHeader != null) {
            if (!parleyHeader.matches(ConversationResolver.HEADER_PATTERN)) {
                throw OpenAiException.invalidParam(ConversationResolver.HEADER,
                        ConversationResolver.HEADER + " must match " + ConversationResolver.HEADER_PATTERN);
            }
            return parleyHeader;
        }
        String key = text(body.get("prompt_cache_key"));
        if (key == null) {
            key = sessionHeader == null || sessionHeader.isBlank() ? null : sessionHeader;
        }
        if (key == null) {
            key = text(body.path("metadata").get("session_id"));
        }
        return key == null ? null : asName(key);
    }

    private static String text(JsonNode node) {
        return node != null && node.isString() && !node.stringValue().isBlank() ? node.stringValue() : null;
    }

    /** The key itself when it is a conversation name, else a digest of it that is one. */
    private static String asName(String key) {
        if (key.length() > MAX_KEY_CHARS) {
            throw OpenAiException.badRequest("a conversation key (prompt_cache_key, " + SESSION_HEADER
                    + " or metadata.session_id) must be at most " + MAX_KEY_CHARS + " characters");
        }
        if (key.matches(ConversationResolver.HEADER_PATTERN)) {
            return key;
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return "k-" + HexFormat.of().formatHex(digest, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
