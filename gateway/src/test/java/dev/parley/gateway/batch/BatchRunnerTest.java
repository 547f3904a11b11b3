package dev.parley.gateway.batch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.gateway.models.ModelCatalog;
import dev.parley.gateway.ops.GatewayMetrics;
import dev.parley.testkit.ParleyInfra;
import dev.parley.testkit.junit.ParleyInfraExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import redis.clients.jedis.RedisClient;

/**
 * A batch whose run keeps failing is marked {@code failed} after {@code maxFailedRuns} runs, each taken up again only
 * once its lease expired, instead of being re-read every scan forever (audit H5). On real Redis.
 */
@ExtendWith(ParleyInfraExtension.class)
class BatchRunnerTest {

    @Test
    void aBatchWhoseRunsKeepFailingEndsFailedWithTheReason(ParleyInfra infra) throws Exception {
        String tenant = "runner" + System.nanoTime();
        try (RedisClient redis = RedisClient.create(URI.create(infra.redisUri()))) {
            BatchStore store = new BatchStore(redis);
            long now = System.currentTimeMillis() / 1000;
            store.appendContent(tenant, "file-in", "not json\n".getBytes(), 9, now + 3600);
            store.createBatch(tenant, "batch_x", Map.of("id", "batch_x", "input_file_id", "file-in",
                    "status", "validating", "created_at", String.valueOf(now), "endpoint", "/v1/chat/completions",
                    "completion_window", "24h"), now, 3600, 10);
            BatchSettings settings = new BatchSettings("runner-test", Duration.ofMillis(300), Duration.ofMillis(50), 2,
                    Duration.ofSeconds(5), 3, 0, Duration.ofSeconds(1), StorageLimits.DEFAULTS);
            ScheduledExecutorService replies = Executors.newSingleThreadScheduledExecutor();
            // No files route: every run breaks where it writes the error file, as a bug or an outage would.
            BatchJob.Context ctx = new BatchJob.Context(store, null, new Ids(), new BatchLines(new ModelCatalog(List.of(), 0)),
                    null, new GatewayMetrics(new SimpleMeterRegistry()), Clock.systemUTC(), settings, replies);
            try (BatchRunner runner = new BatchRunner(ctx, settings.scan(), 1)) {
                runner.start();
                String status = "validating";
                String runs = "0";
                long moved = System.nanoTime();
                while (!status.equals("failed")) {
                    Map<String, String> batch = store.batch(tenant, "batch_x");
                    if (!batch.getOrDefault("failed_runs", "0").equals(runs)) {
                        runs = batch.get("failed_runs");
                        moved = System.nanoTime();
                    }
                    status = batch.get("status");
                    assertThat(System.nanoTime() - moved).as("a run fails or the batch ends").isLessThan(Duration.ofMinutes(1).toNanos());
                    Thread.sleep(50);
                }
            } finally {
                replies.shutdownNow();
            }
            Map<String, String> batch = store.batch(tenant, "batch_x");
            assertThat(batch.get("failed_runs")).isEqualTo("3");
            assertThat(batch.get("failed_at")).isNotNull();
            assertThat(batch.get("errors")).contains("batch_failed").contains("NullPointerException");
            assertThat(store.active()).doesNotContain(tenant + "/batch_x");
            Thread.sleep(500); // a scan or two: a failed batch is not taken up again
            assertThat(store.batch(tenant, "batch_x").get("failed_runs")).isEqualTo("3");
        }
    }
}
