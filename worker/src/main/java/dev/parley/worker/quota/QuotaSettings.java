package dev.parley.worker.quota;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Token limits by tenant: the listed tenants' own, a default for tenants not listed, none for prompts without a
 * tenant. Built from the {@code quota-tenants} and {@code quota-default} settings.
 *
 * @param tenants      limits of named tenants (their names are also the only tenant tags on quota meters)
 * @param defaultLimit limits of tenants not listed; {@link QuotaLimit#UNLIMITED} for none
 */
public record QuotaSettings(Map<String, QuotaLimit> tenants, QuotaLimit defaultLimit) {

    /** No quotas: no turn touches Redis for them. */
    public static final QuotaSettings NONE = new QuotaSettings(Map.of(), QuotaLimit.UNLIMITED);

    /** What a tenant id may be, as the prompt schema says. */
    public static final Pattern TENANT = Pattern.compile("[A-Za-z0-9._:@-]{1,128}");

    public QuotaSettings {
        tenants = Map.copyOf(tenants);
        if (defaultLimit == null) {
            defaultLimit = QuotaLimit.UNLIMITED;
        }
    }

    /** Whether any tenant can be limited. */
    public boolean active() {
        return defaultLimit.limits() || tenants.values().stream().anyMatch(QuotaLimit::limits);
    }

    /** The limits that apply to a prompt of {@code tenant} ({@code null}: a prompt without tenant, unlimited). */
    public QuotaLimit limitFor(String tenant) {
        if (tenant == null) {
            return QuotaLimit.UNLIMITED;
        }
        return tenants.getOrDefault(tenant, defaultLimit);
    }

    /** The tenant's name as a meter tag: configured tenants by name, every other as {@code other} (bounded). */
    public String tag(String tenant) {
        return tenant != null && tenants.containsKey(tenant) ? tenant : "other";
    }

    /**
     * Parses {@code quota-tenants}: comma-separated {@code tenant=PROMPT/COMPLETION} entries, e.g.
     * {@code acme=60000/20000,batch-co=unlimited/5000}. An empty text lists none.
     */
    public static Map<String, QuotaLimit> parseTenants(String text) {
        Map<String, QuotaLimit> tenants = new LinkedHashMap<>();
        for (String raw : text.split(",")) {
            String entry = raw.strip();
            if (entry.isEmpty()) {
                continue;
            }
            int eq = entry.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("entry '" + entry + "' is not tenant=PROMPT/COMPLETION");
            }
            String tenant = entry.substring(0, eq).strip();
            if (!TENANT.matcher(tenant).matches()) {
                throw new IllegalArgumentException("tenant '" + tenant + "' must be 1-128 of A-Z a-z 0-9 . _ : @ -");
            }
            if (tenants.put(tenant, QuotaLimit.parse(entry.substring(eq + 1))) != null) {
                throw new IllegalArgumentException("tenant '" + tenant + "' is listed twice");
            }
        }
        return tenants;
    }
}
