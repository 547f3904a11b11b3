package dev.parley.gateway.auth;

import dev.parley.gateway.openai.OpenAiException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * The API keys the gateway accepts, each mapped to a {@link Tenant}. Only SHA-256 digests are held, so a heap dump
 * or a log line never shows a key. Entries are {@code tenant=key} or {@code tenant=sha256:<hex>} (a digest made
 * with {@code printf %s "$KEY" | sha256sum}), one per line in a file ({@code #} comments) or comma-separated in
 * {@code PARLEY_GATEWAY_KEYS}.
 */
public final class ApiKeys {

    /** Environment variable with comma-separated entries. */
    public static final String ENV = "PARLEY_GATEWAY_KEYS";

    private final Map<String, Tenant> byDigest;
    private final Tenant anonymous;

    private ApiKeys(Map<String, Tenant> byDigest, Tenant anonymous) {
        this.byDigest = Map.copyOf(byDigest);
        this.anonymous = anonymous;
    }

    /** No authentication: every request is {@code tenant} (for {@code parley dev} on loopback). */
    public static ApiKeys open(Tenant tenant) {
        return new ApiKeys(Map.of(), tenant);
    }

    public static ApiKeys parse(List<String> entries) {
        Map<String, Tenant> byDigest = new HashMap<>();
        int line = 0;
        for (String raw : entries) {
            line++;
            String entry = raw.strip();
            if (entry.isEmpty() || entry.startsWith("#")) {
                continue;
            }
            int eq = entry.indexOf('=');
            if (eq <= 0 || eq == entry.length() - 1) {
                throw new IllegalArgumentException("API key entry " + line + " must be tenant=key or tenant=sha256:<hex>");
            }
            Tenant tenant = new Tenant(entry.substring(0, eq).strip());
            String key = entry.substring(eq + 1).strip();
            String digest;
            if (key.startsWith("sha256:")) {
                digest = key.substring("sha256:".length()).toLowerCase(java.util.Locale.ROOT);
                if (!digest.matches("[0-9a-f]{64}")) {
                    throw new IllegalArgumentException("API key entry " + line + " for tenant " + tenant.name()
                            + ": sha256: must be followed by 64 hex digits");
                }
            } else {
                digest = digest(key);
            }
            Tenant earlier = byDigest.putIfAbsent(digest, tenant);
            if (earlier != null && !earlier.equals(tenant)) {
                // One key for two tenants would silently be the last one's: refuse it, naming tenants, never the key.
                throw new IllegalArgumentException("API key entry " + line + " gives tenant " + tenant.name()
                        + " a key that tenant " + earlier.name() + " already has: each key must belong to one tenant");
            }
        }
        if (byDigest.isEmpty()) {
            throw new IllegalArgumentException("no API keys given");
        }
        return new ApiKeys(byDigest, null);
    }

    public static ApiKeys fromFile(Path file) throws IOException {
        return parse(Files.readAllLines(file, StandardCharsets.UTF_8));
    }

    public static ApiKeys fromEnv(String value) {
        return parse(List.of(value.split(",")));
    }

    /** Whether requests need a key. */
    public boolean required() {
        return anonymous == null;
    }

    /** The tenant of an {@code Authorization} header value; 401 when it is missing or unknown. */
    public Tenant authenticate(String authorization) {
        if (anonymous != null) {
            return anonymous;
        }
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw OpenAiException.unauthorized("You didn't provide an API key. You need to provide your API key in an "
                    + "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)");
        }
        Tenant tenant = byDigest.get(digest(authorization.substring(7).strip()));
        if (tenant == null) {
            throw OpenAiException.unauthorized("Incorrect API key provided");
        }
        return tenant;
    }

    public static String digest(String key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
