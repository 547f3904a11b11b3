package dev.parley.gateway.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.client.ParleyClient;
import dev.parley.testkit.ParleyInfra;
import dev.parley.testkit.junit.ParleyInfraExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code /health} tells the truth about the reply side and never waits for Redis. */
@ExtendWith(ParleyInfraExtension.class)
class GatewayHealthTest {

    @Test
    void aClientWhoseRepliesCannotArriveMakesHealth503(ParleyInfra infra) throws Exception {
        String replies = "gwhealth" + System.nanoTime() + ".replies";
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(replies, 1, (short) 1))).all().get();
        }
        ParleyClient client = ParleyClient.builder().bootstrapServers(infra.bootstrapServers()).repliesTopic(replies)
                .build();
        try (GatewayHealth health = new GatewayHealth(() -> client.health().healthy(), null, Duration.ofSeconds(1))) {
            assertThat(health.report().status()).isEqualTo(200);

            client.close(); // its reply listener stops, as it does when it dies

            GatewayHealth.Report report = health.report();
            assertThat(report.status()).isEqualTo(503);
            assertThat(report.body()).containsEntry("replies", false);
        }
    }

    @Test
    void aHangingRedisPingNeverHoldsHealthAndGoesStale() throws Exception {
        CountDownLatch hanging = new CountDownLatch(1);
        CountDownLatch never = new CountDownLatch(1);
        AtomicInteger pings = new AtomicInteger();
        try (GatewayHealth health = new GatewayHealth(() -> true, () -> {
            if (pings.incrementAndGet() == 1) {
                return true;
            }
            hanging.countDown();
            try {
                never.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return false;
        }, Duration.ofMillis(50))) {
            hanging.await();
            // The second ping hangs; health answers from what it knows, without waiting for it.
            GatewayHealth.Report report = health.report();
            assertThat(report.body()).containsKey("redis");
            while (health.report().status() == 200) {
                Thread.onSpinWait(); // turns 503 once the hanging ping is older than three intervals
            }
            assertThat(health.report().body()).containsEntry("redis", false);
        }
    }
}
