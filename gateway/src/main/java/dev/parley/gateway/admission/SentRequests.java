package dev.parley.gateway.admission;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The requests this gateway has sent to each model and not had answered yet, with when they were sent: those sent
 * after a worker last measured its load are not in its figures yet, so admission adds them (a burst arriving between
 * two load reports is seen at once, not a couple of seconds later).
 */
final class SentRequests {

    private record Sent(String model, String tenant, Instant at) {
    }

    /** Sent requests under a key of their own, so equal ones are counted apart. */
    private final Map<Object, Sent> sent = new ConcurrentHashMap<>();

    /** Counts a request until the ticket is closed (closing twice uncounts once). */
    Admission.Ticket add(String model, String tenant, Instant at) {
        Object key = new Object();
        sent.put(key, new Sent(model, tenant, at));
        return () -> sent.remove(key);
    }

    /** Requests to {@code model} sent after {@code since}; at most the gateway's in-flight bound of them. */
    long sentAfter(String model, Instant since) {
        return sent.values().stream().filter(s -> s.model.equals(model) && s.at.isAfter(since)).count();
    }

    /** The same, of {@code tenant} only. */
    long sentAfter(String model, String tenant, Instant since) {
        return sent.values().stream()
                .filter(s -> s.model.equals(model) && s.tenant.equals(tenant) && s.at.isAfter(since)).count();
    }
}
