package dev.parley.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.parley.client.ParleyClient;
import dev.parley.client.ParleyRateLimitedException;
import dev.parley.client.SendOptions;
import dev.parley.schemas.GenerationParams;
import dev.parley.schemas.Reply;
import dev.parley.schemas.ReplyStatus;
import dev.parley.testkit.ParleyInfra;
import dev.parley.testkit.junit.ParleyInfraExtension;
import dev.parley.worker.engine.cpp.NativeEngine;
import dev.parley.worker.history.HistoryEntry;
import dev.parley.worker.history.RedisConnector;
import dev.parley.worker.metrics.ParleyMeter;
import dev.parley.worker.quota.QuotaLimit;
import dev.parley.worker.quota.QuotaSettings;
import dev.parley.worker.quota.RedisTokenBuckets;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import redis.clients.jedis.RedisClient;

/**
 * Tenant token quotas on two workers of one group sharing the buckets in Redis, on the default native engine with
 * the real model: a turn debits its actual usage, and the tenant's next turns, whichever worker takes them, are
 * answered rate_limited with a retry-after and leave the history as it was; the same request goes through once the
 * bucket has tokens again; other tenants are not affected; meters tag only configured tenants.
 */
@ExtendWith({ParleyInfraExtension.class, EngineExtension.class})
class QuotaTest {

    private static final int PARTITIONS = 2;
    private static final GenerationParams SHORT = GenerationParams.DEFAULTS.withMaxTokens(8).withTemperature(0.0);

    @Test
    void aTenantOverQuotaIsRateLimitedOnEveryWorkerAndItsHistoryStaysUnchanged(ParleyInfra infra, NativeEngine engine)
            throws Exception {
        try (WorkerHarness harness = new WorkerHarness(infra, PARTITIONS);
             RedisClient redis = RedisConnector.connect(infra.redisUri(), Map.of())) {
            String acme = "acme-" + harness.prefix;
            String vip = "vip-" + harness.prefix;
            String walkIn = "walkin-" + harness.prefix;
            // One token a minute of each kind: any turn empties the bucket, and a minute refills about one token.
            QuotaSettings quotas = new QuotaSettings(Map.of(acme, new QuotaLimit(1, 1), vip, QuotaLimit.UNLIMITED),
                    new QuotaLimit(1, 1));
            harness.createTopics();
            Worker first = harness.startWorker(harness.config("quota-1").quotas(quotas).build(), engine);
            Worker second = harness.startWorker(harness.config("quota-2").quotas(quotas).build(), engine);
            await().atMost(Duration.ofMinutes(2)).until(() -> first.assignment().size() == 1
                    && second.assignment().size() == 1 && first.readiness().ready() && second.readiness().ready());
            String onFirst = conversationOn(harness, first.assignment().iterator().next());
            String onSecond = conversationOn(harness, second.assignment().iterator().next());
            ParleyClient client = harness.client();

            Reply answered = client.send(onFirst, "Say hello.", options(acme).build()).join();
            assertThat(answered.status()).isEqualTo(ReplyStatus.OK);
            assertThat(answered.worker()).isEqualTo("quota-1");
            long promptTokens = answered.usage().promptTokens();
            long completionTokens = answered.usage().completionTokens();
            assertThat(promptTokens).isPositive();
            assertThat(completionTokens).isPositive();
            // The full bucket (one token) was debited exactly what the reply reports.
            Map<String, String> bucket = redis.hgetAll(RedisTokenBuckets.key(acme));
            assertThat(Double.parseDouble(bucket.get("prompt"))).isEqualTo(1.0 - promptTokens);
            assertThat(Double.parseDouble(bucket.get("completion"))).isEqualTo(1.0 - completionTokens);
            List<HistoryEntry> firstHistory = harness.history(onFirst);

            // The other worker sees the same bucket.
            ParleyRateLimitedException onOther = rateLimited(client, onSecond, "Hello there.", options(acme)
                    .requestId("limited-" + harness.prefix).build());
            assertThat(onOther.reply().worker()).isEqualTo("quota-2");
            assertThat(onOther.reply().error().code()).isEqualTo("rate_limited");
            assertThat(onOther.reply().error().message()).contains(acme);
            // The emptier bucket decides: back to one token at one token a minute, less what refilled meanwhile.
            long owed = Math.max(promptTokens, completionTokens);
            assertThat(onOther.retryAfter().toMillis()).isBetween((owed - 1) * 60_000, owed * 60_000);
            assertThat(harness.history(onSecond)).as("nothing appended").isEmpty();

            // And so does the worker that charged it: the conversation's history is left as it was.
            ParleyRateLimitedException again = rateLimited(client, onFirst, "And again?", options(acme).build());
            assertThat(again.reply().worker()).isEqualTo("quota-1");
            assertThat(harness.history(onFirst)).isEqualTo(firstHistory);

            // Other tenants are not held up: an unlimited one, and one under the default limit until it spent it.
            // Each in a conversation of its own: a conversation belongs to the tenant of its first turn.
            String ofVip = harness.prefix + "-vip";
            String ofWalkIn = harness.prefix + "-walk-in";
            assertThat(client.send(ofVip, "Hi!", options(vip).build()).join().status()).isEqualTo(ReplyStatus.OK);
            assertThat(client.send(ofWalkIn, "Hi again!", options(walkIn).build()).join().status())
                    .isEqualTo(ReplyStatus.OK);
            rateLimited(client, ofWalkIn, "Hi once more!", options(walkIn).build());

            // The refused request was not stored as answered: once the bucket holds tokens again (as a minute's
            // refill would leave it), the same request id goes through and enters the history.
            redis.del(RedisTokenBuckets.key(acme));
            Reply later = client.send(onSecond, "Hello there.", options(acme).requestId("limited-" + harness.prefix)
                    .build()).join();
            assertThat(later.status()).isEqualTo(ReplyStatus.OK);
            assertThat(harness.history(onSecond)).extracting(HistoryEntry::requestId)
                    .contains("limited-" + harness.prefix);

            assertThat(count(harness, ParleyMeter.QUOTA_TURNS_LIMITED, "tenant", acme)).isEqualTo(2);
            assertThat(count(harness, ParleyMeter.QUOTA_TURNS_LIMITED, "tenant", "other")).isEqualTo(1);
            assertThat(count(harness, ParleyMeter.QUOTA_TOKENS_CHARGED, "tenant", acme, "kind", "prompt"))
                    .isEqualTo(promptTokens + later.usage().promptTokens());
            assertThat(harness.registry.find(ParleyMeter.QUOTA_TOKENS_CHARGED.meterName()).tag("tenant", vip)
                    .counter()).as("unlimited tenants are not metered").isNull();
        }
    }

    private static SendOptions.Builder options(String tenant) {
        return SendOptions.builder().params(SHORT).tenant(tenant);
    }

    private static ParleyRateLimitedException rateLimited(ParleyClient client, String conversation, String text,
                                                          SendOptions options) {
        var reply = client.send(conversation, text, options);
        assertThatThrownBy(reply::join).isInstanceOf(CompletionException.class)
                .hasCauseInstanceOf(ParleyRateLimitedException.class);
        return (ParleyRateLimitedException) reply.handle((ok, error) ->
                error instanceof CompletionException ? error.getCause() : error).join();
    }

    /** A new conversation id whose records the default partitioner puts on {@code partition}. */
    private static String conversationOn(WorkerHarness harness, TopicPartition partition) {
        for (int i = 0; ; i++) {
            String id = harness.prefix + "-conv-" + i;
            if (Utils.toPositive(Utils.murmur2(id.getBytes(StandardCharsets.UTF_8))) % PARTITIONS
                    == partition.partition()) {
                return id;
            }
        }
    }

    private static double count(WorkerHarness harness, ParleyMeter meter, String... tags) {
        var counter = harness.registry.find(meter.meterName()).tags(tags).counter();
        return counter == null ? 0 : counter.count();
    }
}
