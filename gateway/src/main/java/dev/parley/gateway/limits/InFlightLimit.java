package dev.parley.gateway.limits;

import dev.parley.gateway.openai.OpenAiException;
import dev.parley.gateway.ops.GatewayMetrics;
import java.util.concurrent.Semaphore;

/**
 * The requests waiting on the pool at once, shared by every route that sends prompts (chat completions, responses):
 * past it the gateway answers 429 instead of queueing without bound, and Jetty's threads (sized from it) stay enough.
 */
public final class InFlightLimit {

    private final Semaphore places;
    private final int max;
    private final GatewayMetrics metrics;

    public InFlightLimit(int max, GatewayMetrics metrics) {
        if (max < 1) {
            throw new IllegalArgumentException("max in flight must be >= 1, got " + max);
        }
        this.places = new Semaphore(max);
        this.max = max;
        this.metrics = metrics;
    }

    /** Takes a place or throws the 429; release it with {@link #release()}. */
    public void acquire() {
        if (!places.tryAcquire()) {
            metrics.refused("in_flight");
            throw OpenAiException.overloaded("the gateway has " + max + " requests in flight; retry shortly",
                    TenantPermits.RETRY_AFTER);
        }
    }

    public void release() {
        places.release();
    }
}
