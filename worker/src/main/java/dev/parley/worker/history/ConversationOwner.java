package dev.parley.worker.history;

import java.util.Objects;

/**
 * The tenant a conversation belongs to: the tenant of the prompt whose turn was appended to it first, recorded by the
 * same atomic step that appends that turn. A conversation started by a prompt without a tenant belongs to no tenant,
 * and stays so: it admits only prompts without a tenant, as a tenant's conversation admits only that tenant's.
 *
 * @param tenant the owning tenant, or {@code null}: the conversation belongs to no tenant
 */
public record ConversationOwner(String tenant) {

    /** How the store spells "no tenant": a tenant name is never empty (the prompt schema's pattern). */
    static final String NO_TENANT = "";

    /** Whether a prompt of {@code promptTenant} ({@code null}: none) may continue the conversation. */
    public boolean admits(String promptTenant) {
        return Objects.equals(tenant, promptTenant);
    }

    static ConversationOwner fromStored(String stored) {
        return new ConversationOwner(stored.isEmpty() ? null : stored);
    }

    static String stored(String tenant) {
        return tenant == null ? NO_TENANT : tenant;
    }

    @Override
    public String toString() {
        return tenant == null ? "no tenant" : "tenant " + tenant;
    }
}
