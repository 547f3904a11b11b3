package dev.parley.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.parley.client.ParleyClient;
import dev.parley.client.SendOptions;
import dev.parley.schemas.GenerationParams;
import dev.parley.schemas.Reply;
import dev.parley.schemas.ReplyStatus;
import dev.parley.testkit.ParleyInfra;
import dev.parley.testkit.junit.ParleyInfraExtension;
import dev.parley.testkit.redis.RedisServer;
import dev.parley.worker.engine.cpp.NativeEngine;
import dev.parley.worker.history.HistoryEntry;
import dev.parley.worker.history.RedisConnector;
import dev.parley.worker.history.RedisHistoryStore;
import dev.parley.worker.metrics.ParleyMeter;
import dev.parley.worker.quota.QuotaLimit;
import dev.parley.worker.quota.QuotaSettings;
import dev.parley.worker.quota.RedisTokenBuckets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import redis.clients.jedis.RedisClient;

/**
 * The quota store failing while the history store answers, on a real redis-server: the worker's Redis user may not
 * touch the quota keys (an ACL), so every admission fails. The turn waits, retrying with backoff and counting, until
 * the permission is granted; then it runs, is answered once, enters the history once and is debited once.
 */
@ExtendWith({ParleyInfraExtension.class, EngineExtension.class})
class QuotaOutageTest {

    @Test
    void aTurnRidesOutAnUnansweringQuotaStoreAndIsChargedOnce(ParleyInfra infra,
            @EngineExtension.Tiny NativeEngine engine) throws Exception {
        try (RedisServer server = RedisServer.launch();
             RedisClient admin = RedisConnector.connect(server.uri(), Map.of());
             WorkerHarness harness = new WorkerHarness(infra, 1)) {
            // History keys are parley:{<conversation>}:*; quota keys parley:quota:{<tenant>} are not allowed yet.
            admin.sendCommand(redis.clients.jedis.Protocol.Command.ACL, "SETUSER", "worker", "on", ">secret",
                    "~parley:{*", "+@all");
            String uri = "redis://worker:secret@127.0.0.1:" + server.port();
            String tenant = "acme-" + harness.prefix;
            harness.createTopics();
            harness.startWorker(harness.config("quota-outage").redisUri(uri)
                    .quotas(new QuotaSettings(Map.of(tenant, new QuotaLimit(100_000, 100_000)), QuotaLimit.UNLIMITED))
                    .build(), engine);
            ParleyClient client = harness.client();
            String conversation = harness.prefix + "-outage";

            CompletableFuture<Reply> reply = client.send(conversation, "Hello!", SendOptions.builder().tenant(tenant)
                    .params(GenerationParams.DEFAULTS.withMaxTokens(4)).build());
            await().atMost(Duration.ofMinutes(2)).until(() -> failures(harness) >= 3);
            assertThat(reply).isNotDone();

            admin.sendCommand(redis.clients.jedis.Protocol.Command.ACL, "SETUSER", "worker", "~parley:quota:*");
            Reply answered = reply.get(2, java.util.concurrent.TimeUnit.MINUTES);

            assertThat(answered.status()).isEqualTo(ReplyStatus.OK);
            assertThat(harness.registry.get(ParleyMeter.TURN_RETRIES.meterName()).tag("cause", "history_unavailable")
                    .counter().count()).isGreaterThanOrEqualTo(3);
            try (RedisHistoryStore history = RedisHistoryStore.connect(server.uri(), Duration.ZERO)) {
                List<HistoryEntry> turns = history.load(conversation);
                assertThat(turns).hasSize(1);
            }
            Map<String, String> bucket = admin.hgetAll(RedisTokenBuckets.key(tenant));
            assertThat(Double.parseDouble(bucket.get("prompt"))).isEqualTo(100_000.0 - answered.usage().promptTokens());
            assertThat(Double.parseDouble(bucket.get("completion")))
                    .isEqualTo(100_000.0 - answered.usage().completionTokens());
        }
    }

    private static double failures(WorkerHarness harness) {
        var counter = harness.registry.find(ParleyMeter.QUOTA_FAILURES.meterName()).tag("step", "admit").counter();
        return counter == null ? 0 : counter.count();
    }
}
