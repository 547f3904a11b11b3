package dev.parley.gateway.conversation;

import dev.parley.gateway.auth.Tenant;

/**
 * The conversation ids the gateway derives, all of the form {@code oa.<tenant>.<kind>.<rest>}. A tenant name never
 * holds a dot ({@link Tenant#NAME_PATTERN}), so the tenant is everything between the first two dots: no choice of
 * tenant name and header can make one tenant's id equal another's (as {@code oa-acme-h-x} could, which was both
 * tenant {@code acme}'s header {@code x} and tenant {@code acme-h}'s digest {@code x}).
 * <ul>
 *   <li>{@code oa.<tenant>.h.<header>}: named by {@code X-Parley-Conversation-Id};</li>
 *   <li>{@code oa.<tenant>.d.<digest>}: derived from the system prompt and first user message;</li>
 *   <li>{@code oa.<tenant>.b.<batch>.<line>}: one line of a batch;</li>
 *   <li>any of them followed by {@code ~<hex>}: a fork (an edited or regenerated history).</li>
 * </ul>
 */
public final class ConversationIds {

    private static final String PREFIX = "oa.";

    private ConversationIds() {
    }

    public static String header(String tenant, String header) {
        return PREFIX + tenant + ".h." + header;
    }

    public static String derived(String tenant, String digest) {
        return PREFIX + tenant + ".d." + digest;
    }

    public static String batchLine(String tenant, String batchId, int line) {
        return PREFIX + tenant + ".b." + batchId + "." + line;
    }

    /** The tenant a gateway-made id belongs to, or {@code null} for an id the gateway did not make. */
    public static String tenantOf(String conversationId) {
        if (!conversationId.startsWith(PREFIX)) {
            return null;
        }
        int end = conversationId.indexOf('.', PREFIX.length());
        return end < 0 ? null : conversationId.substring(PREFIX.length(), end);
    }
}
