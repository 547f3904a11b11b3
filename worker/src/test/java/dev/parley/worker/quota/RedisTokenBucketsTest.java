package dev.parley.worker.quota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.parley.testkit.redis.RedisServer;
import dev.parley.worker.history.RedisConnector;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import redis.clients.jedis.RedisClient;

/**
 * The bucket script against a real redis-server, on a settable clock: admission while a token is left, debits that
 * go negative, the retry-after that says when a token is back, refill capped at one minute's worth, unlimited kinds,
 * the key's expiry once full again, and Redis's own clock.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedisTokenBucketsTest {

    private static final AtomicInteger TENANTS = new AtomicInteger();
    /** 600 prompt and 60 completion tokens a minute: 10 and 1 per second. */
    private static final QuotaLimit LIMIT = new QuotaLimit(600, 60);

    private RedisServer server;
    private RedisClient redis;
    private final AtomicLong now = new AtomicLong(1_000_000);
    private RedisTokenBuckets buckets;

    @BeforeAll
    void startRedis() {
        server = RedisServer.launch();
        redis = RedisConnector.connect(server.uri(), Map.of());
        buckets = new RedisTokenBuckets(redis, now::get);
    }

    @AfterAll
    void stopRedis() {
        redis.close();
        server.close();
    }

    private static String newTenant() {
        return "tenant-" + TENANTS.incrementAndGet();
    }

    @Test
    void aNewTenantStartsWithFullBucketsAndLeavesNoKey() {
        String tenant = newTenant();

        BucketState state = buckets.settle(tenant, LIMIT, 0, 0);

        assertThat(state.admitted()).isTrue();
        assertThat(state.promptBalance()).isEqualTo(600);
        assertThat(state.completionBalance()).isEqualTo(60);
        assertThat(redis.exists(RedisTokenBuckets.key(tenant))).as("a full bucket is stored as no key").isFalse();
    }

    @Test
    void debitsTheActualTokensAndMayGoNegative() {
        String tenant = newTenant();

        BucketState charged = buckets.settle(tenant, LIMIT, 250, 100);

        assertThat(charged.promptBalance()).isEqualTo(350);
        assertThat(charged.completionBalance()).isEqualTo(-40);
        assertThat(charged.admitted()).isFalse();
        assertThat(charged.exhausted()).isEqualTo("completion");
        // 41 tokens to be back at one, at one a second.
        assertThat(charged.retryAfterMs()).isEqualTo(41_000);
        assertThat(redis.hget(RedisTokenBuckets.key(tenant), "completion")).isEqualTo("-40.000000");
    }

    @Test
    void refillsWithTimeUpToOneMinutesWorth() {
        String tenant = newTenant();
        buckets.settle(tenant, LIMIT, 600, 60);
        assertThat(buckets.settle(tenant, LIMIT, 0, 0).admitted()).isFalse();

        now.addAndGet(999);
        BucketState almost = buckets.settle(tenant, LIMIT, 0, 0);
        assertThat(almost.admitted()).as("0.999 completion tokens").isFalse();
        assertThat(almost.retryAfterMs()).isEqualTo(1);

        now.addAndGet(1);
        BucketState one = buckets.settle(tenant, LIMIT, 0, 0);
        assertThat(one.admitted()).isTrue();
        assertThat(one.completionBalance()).isCloseTo(1, within(1e-6));
        assertThat(one.promptBalance()).isCloseTo(10, within(1e-6));

        now.addAndGet(3_600_000);
        BucketState full = buckets.settle(tenant, LIMIT, 0, 0);
        assertThat(full.promptBalance()).isEqualTo(600);
        assertThat(full.completionBalance()).isEqualTo(60);
    }

    @Test
    void theRetryAfterIsTheLongerWaitOfTheTwoBuckets() {
        String tenant = newTenant();

        BucketState state = buckets.settle(tenant, LIMIT, 1200, 1);

        assertThat(state.exhausted()).isEqualTo("prompt");
        // Prompt: from -600 back to 1 at 10 a second is 60.1 s; completion: from 59 it is not exhausted.
        assertThat(state.retryAfterMs()).isEqualTo(60_100);
    }

    @Test
    void anUnlimitedKindIsNeitherStoredNorLimiting() {
        String tenant = newTenant();
        QuotaLimit completionOnly = new QuotaLimit(0, 60);

        BucketState state = buckets.settle(tenant, completionOnly, 1_000_000, 10);

        assertThat(state.admitted()).isTrue();
        assertThat(state.completionBalance()).isEqualTo(50);
        assertThat(redis.hget(RedisTokenBuckets.key(tenant), "prompt")).isNull();
    }

    @Test
    void aClockSteppingBackRefillsNothing() {
        String tenant = newTenant();
        buckets.settle(tenant, LIMIT, 0, 60);

        now.addAndGet(-10_000);
        BucketState state = buckets.settle(tenant, LIMIT, 0, 0);

        assertThat(state.completionBalance()).isEqualTo(0);
        assertThat(state.admitted()).isFalse();
        now.addAndGet(10_000);
    }

    @Test
    void theKeyExpiresWhenTheBucketsWouldBeFullAgain() {
        String tenant = newTenant();

        buckets.settle(tenant, LIMIT, 0, 30);

        // 30 completion tokens at one a second: full in 30 s, plus a second of margin.
        assertThat(redis.pttl(RedisTokenBuckets.key(tenant))).isBetween(30_000L, 31_000L);
    }

    @Test
    void onRedisTimeBucketsRefillByTheServersClock() {
        RedisTokenBuckets onRedisTime = new RedisTokenBuckets(redis);
        String tenant = newTenant();

        BucketState state = onRedisTime.settle(tenant, LIMIT, 0, 60);

        assertThat(state.admitted()).isFalse();
        assertThat(state.retryAfterMs()).isBetween(1L, 1_000L);
        long at = Long.parseLong(redis.hget(RedisTokenBuckets.key(tenant), "at"));
        assertThat(at).isCloseTo(System.currentTimeMillis(), within(60_000L));
    }

    @Test
    void anUnreachableRedisIsAQuotaOutage() {
        try (RedisClient nowhere = RedisConnector.connect("redis://127.0.0.1:1", Map.of())) {
            assertThatThrownBy(() -> new RedisTokenBuckets(nowhere).settle("t", LIMIT, 0, 0))
                    .isInstanceOf(QuotaUnavailableException.class).hasMessageContaining("quota store unavailable");
        }
    }
}
