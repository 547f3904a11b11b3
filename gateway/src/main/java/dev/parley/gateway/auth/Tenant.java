package dev.parley.gateway.auth;

import java.util.Objects;

/**
 * Who a key belongs to. Conversations, files and batches are namespaced by tenant name, so one tenant can never
 * reach another's.
 */
public record Tenant(String name) {

    /** What a tenant name may be: it becomes part of conversation ids and Redis keys. */
    public static final String NAME_PATTERN = "[A-Za-z0-9_-]{1,64}";

    public Tenant {
        Objects.requireNonNull(name, "name");
        if (!name.matches(NAME_PATTERN)) {
            throw new IllegalArgumentException("tenant name must match " + NAME_PATTERN + ", got '" + name + "'");
        }
    }
}
