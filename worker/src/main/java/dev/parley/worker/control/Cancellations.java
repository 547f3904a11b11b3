package dev.parley.worker.control;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Requests cancelled recently, which running generations check between tokens. A cancellation names the conversation
 * and the request, and matches only both: a request id chosen by one client (business ids such as
 * {@code order-7731-q2} are encouraged) cannot cancel another conversation's request of the same id. Bounded: the
 * oldest are forgotten.
 */
public final class Cancellations {

    private static final int REMEMBERED = 10_000;

    private final Set<Key> cancelled = Collections.newSetFromMap(Collections.synchronizedMap(
            new LinkedHashMap<>(16, 0.75f, false) {
                private static final long serialVersionUID = 1L;

                @Override
                protected boolean removeEldestEntry(Map.Entry<Key, Boolean> eldest) {
                    return size() > REMEMBERED;
                }
            }));

    private record Key(String conversationId, String requestId) {
    }

    public void cancel(String conversationId, String requestId) {
        cancelled.add(new Key(conversationId, requestId));
    }

    public boolean isCancelled(String conversationId, String requestId) {
        return cancelled.contains(new Key(conversationId, requestId));
    }
}
