package dev.parley.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.testkit.ParleyInfra;
import dev.parley.testkit.junit.ParleyInfraExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A client started before its reply topic exists waits for it (within its start timeout) instead of failing: a
 * worker starting beside it creates the topic a moment later, and a topic just created is unknown to the broker's
 * metadata for a while (ParleyClientTest failed so, now and then, right after creating its topics).
 */
@ExtendWith(ParleyInfraExtension.class)
class ReplyTopicStartTest {

    @Test
    void aClientWaitsForAReplyTopicCreatedAfterItStarted(ParleyInfra infra) throws Exception {
        String prefix = "start" + UUID.randomUUID().toString().substring(0, 8);
        CompletableFuture<ParleyClient> starting = CompletableFuture.supplyAsync(() -> ParleyClient.builder()
                .bootstrapServers(infra.bootstrapServers()).promptsTopic(prefix + ".prompts")
                .repliesTopic(prefix + ".replies").modelsTopic(prefix + ".models")
                .startTimeout(Duration.ofMinutes(2)).build());
        try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", infra.bootstrapServers()))) {
            // Give the client time to ask for the topic and be told it is unknown (the test holds whether it has
            // asked yet or not: without the topic it cannot start).
            TimeUnit.SECONDS.sleep(1);
            assertThat(starting).as("the client must not start without its reply topic").isNotDone();
            admin.createTopics(List.of(new NewTopic(prefix + ".prompts", 1, (short) 1),
                    new NewTopic(prefix + ".replies", 1, (short) 1), new NewTopic(prefix + ".models", 1, (short) 1)))
                    .all().get();
        }
        try (ParleyClient client = starting.get(2, TimeUnit.MINUTES)) {
            assertThat(client).isNotNull();
        }
    }
}
