package dev.parley.worker.control;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** Request ids cancelled recently, which running generations check between tokens. Bounded: oldest forgotten. */
public final class Cancellations {

    private static final int REMEMBERED = 10_000;

    private final Set<String> cancelled = Collections.newSetFromMap(Collections.synchronizedMap(
            new LinkedHashMap<>(16, 0.75f, false) {
                private static final long serialVersionUID = 1L;

                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                    return size() > REMEMBERED;
                }
            }));

    public void cancel(String requestId) {
        cancelled.add(requestId);
    }

    public boolean isCancelled(String requestId) {
        return cancelled.contains(requestId);
    }
}
