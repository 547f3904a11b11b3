package dev.parley.gateway.limits;

import dev.parley.gateway.auth.Tenant;
import dev.parley.gateway.openai.OpenAiException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * How many requests, and how many streams, each tenant may have open at once on this gateway, so that one tenant can
 * never take every place another needs. Past its cap a tenant gets 429 with a {@code Retry-After}; other tenants are
 * not affected. Counts live only while a tenant has something open (an idle tenant costs nothing).
 */
public final class TenantPermits {

    /** What a refused client is told to wait: places free up as fast as requests finish. */
    public static final Duration RETRY_AFTER = Duration.ofSeconds(1);

    /** A place held until closed (closing twice releases once). */
    public interface Permit extends AutoCloseable {
        @Override
        void close();
    }

    private final int maxRequests;
    private final int maxStreams;
    private final Consumer<String> refused;
    private final Map<String, Integer> requests = new ConcurrentHashMap<>();
    private final Map<String, Integer> streams = new ConcurrentHashMap<>();

    /**
     * @param refused told the reason of every refusal ({@code tenant_requests} or {@code tenant_streams}), for
     *                metrics
     */
    public TenantPermits(int maxRequests, int maxStreams, Consumer<String> refused) {
        if (maxRequests < 1 || maxStreams < 1) {
            throw new IllegalArgumentException("per-tenant limits must be >= 1, got " + maxRequests + " requests and "
                    + maxStreams + " streams");
        }
        this.maxRequests = maxRequests;
        this.maxStreams = maxStreams;
        this.refused = refused;
    }

    /** A place for one request of {@code tenant}, or a 429. */
    public Permit request(Tenant tenant) {
        return take(requests, tenant, maxRequests, "tenant_requests", "requests");
    }

    /** A place for one stream of {@code tenant}, or a 429. */
    public Permit stream(Tenant tenant) {
        return take(streams, tenant, maxStreams, "tenant_streams", "streams");
    }

    /** What {@code tenant} holds now, for tests and diagnostics. */
    public int requestsOf(Tenant tenant) {
        return requests.getOrDefault(tenant.name(), 0);
    }

    private Permit take(Map<String, Integer> counts, Tenant tenant, int max, String reason, String what) {
        boolean[] taken = new boolean[1];
        counts.compute(tenant.name(), (name, held) -> {
            int now = held == null ? 0 : held;
            taken[0] = now < max;
            return taken[0] ? now + 1 : held;
        });
        if (!taken[0]) {
            refused.accept(reason);
            throw OpenAiException.overloaded("tenant " + tenant.name() + " has " + max + " " + what
                    + " open on this gateway, its limit; retry when one has finished", RETRY_AFTER);
        }
        boolean[] released = new boolean[1];
        return () -> {
            if (!released[0]) {
                released[0] = true;
                counts.computeIfPresent(tenant.name(), (name, held) -> held <= 1 ? null : held - 1);
            }
        };
    }
}
