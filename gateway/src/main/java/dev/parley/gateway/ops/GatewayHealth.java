package dev.parley.gateway.ops;

import dev.parley.gateway.openai.Json;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What {@code /health} says: healthy while replies can reach the gateway (its client's reply listener runs and has
 * not been failing past its outage timeout) and Redis, when configured, answered its last ping. Redis is pinged on a
 * background thread every interval, so a health probe never waits for a slow Redis; a ping still running after
 * three intervals counts as failed.
 */
public final class GatewayHealth implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(GatewayHealth.class);

    /** A health answer: status code and body. */
    public record Report(int status, Map<String, Object> body) {
    }

    private final BooleanSupplier replies;
    private final BooleanSupplier redisPing;
    private final long staleNanos;
    private final ScheduledExecutorService pinger;
    private volatile boolean redisOk;
    private volatile long redisCheckedNanos;

    /**
     * @param replies   whether the client's replies can arrive
     * @param redisPing one ping to Redis, or {@code null} when the gateway runs without Redis
     */
    public GatewayHealth(BooleanSupplier replies, BooleanSupplier redisPing, Duration interval) {
        this.replies = replies;
        this.redisPing = redisPing;
        this.staleNanos = interval.toNanos() * 3;
        if (redisPing == null) {
            this.pinger = null;
            return;
        }
        ping();
        this.pinger = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "gateway-health");
            thread.setDaemon(true);
            return thread;
        });
        pinger.scheduleWithFixedDelay(this::ping, interval.toNanos(), interval.toNanos(), TimeUnit.NANOSECONDS);
    }

    private void ping() {
        boolean ok;
        try {
            ok = redisPing.getAsBoolean();
        } catch (RuntimeException e) {
            ok = false;
        }
        if (ok != redisOk) {
            log.info("Redis is {} for the gateway", ok ? "reachable" : "unreachable");
        }
        redisOk = ok;
        redisCheckedNanos = System.nanoTime();
    }

    /** The current answer; reads only what the background check left, never blocks. */
    public Report report() {
        boolean repliesOk = replies.getAsBoolean();
        boolean redis = redisPing == null || (redisOk && System.nanoTime() - redisCheckedNanos <= staleNanos);
        boolean ok = repliesOk && redis;
        return new Report(ok ? 200 : 503, Json.object("status", ok ? "ok" : "degraded", "replies", repliesOk,
                "redis", redis));
    }

    @Override
    public void close() {
        if (pinger != null) {
            pinger.shutdownNow();
        }
    }
}
