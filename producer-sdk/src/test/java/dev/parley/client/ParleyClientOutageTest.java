package dev.parley.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.parley.schemas.FinishReason;
import dev.parley.schemas.Reply;
import dev.parley.schemas.ReplyStatus;
import dev.parley.schemas.Timings;
import dev.parley.schemas.Usage;
import dev.parley.schemas.codec.WireJson;
import dev.parley.testkit.kafka.KafkaBroker;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The client through broker outages, on a broker of its own (the shared one must stay up for other tests). Replies
 * are written by the test, standing in for a worker.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ParleyClientOutageTest {

    private KafkaBroker broker;
    private String prompts;
    private String replies;
    private KafkaProducer<String, byte[]> replyWriter;
    private ParleyClient client;

    @BeforeAll
    void startBroker() {
        broker = KafkaBroker.launch();
    }

    @AfterAll
    void stopBroker() {
        broker.close();
    }

    @BeforeEach
    void createTopics() throws Exception {
        String prefix = "outage" + UUID.randomUUID().toString().substring(0, 8);
        prompts = prefix + ".prompts";
        replies = prefix + ".replies";
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(prompts, 2, (short) 1), new NewTopic(replies, 2, (short) 1)))
                    .all().get();
        }
        replyWriter = new KafkaProducer<>(Map.of("bootstrap.servers", broker.bootstrapServers()),
                new StringSerializer(), new ByteArraySerializer());
    }

    @AfterEach
    void close() {
        broker.start(); // a failed test may leave it stopped
        if (client != null) {
            client.close();
        }
        replyWriter.close(Duration.ofSeconds(5));
    }

    private ParleyClient.Builder builder() {
        return ParleyClient.builder().bootstrapServers(broker.bootstrapServers()).promptsTopic(prompts)
                .repliesTopic(replies).replyTimeout(Duration.ofMinutes(3));
    }

    private void reply(String requestId, String conversationId, String content) throws Exception {
        Reply reply = Reply.builder().requestId(requestId).conversationId(conversationId).status(ReplyStatus.OK)
                .content(content).finishReason(FinishReason.STOP).usage(new Usage(3, 0, 0, 2)).timings(Timings.NONE)
                .turn(1).droppedTurns(0).model("m").worker("w").build();
        replyWriter.send(new ProducerRecord<>(replies, conversationId, WireJson.toBytes(reply))).get();
    }

    private String answered(String requestId) throws Exception {
        CompletableFuture<Reply> future = client.send("conv-" + requestId, "Hello",
                SendOptions.builder().requestId(requestId).build());
        reply(requestId, "conv-" + requestId, "answer to " + requestId);
        return future.join().content();
    }

    @Test
    void aClientKeepsReceivingRepliesAcrossABrokerRestart() throws Exception {
        client = builder().build();
        assertThat(answered("before")).isEqualTo("answer to before");
        CompletableFuture<Reply> across = client.send("conv-across", "Hello",
                SendOptions.builder().requestId("across").build());

        broker.stop();
        // The listener notices: it asks the broker while a request waits, fails, backs off and tries again.
        await().atMost(Duration.ofMinutes(2)).until(() -> client.listenerRetries() >= 2);
        broker.start();

        reply("across", "conv-across", "answered after the restart");
        assertThat(across.join().content()).isEqualTo("answered after the restart");
        assertThat(answered("after")).isEqualTo("answer to after");
        assertThat(client.pendingRequests()).isZero();
    }

    @Test
    void requestsWaitingWhileTheBrokerStaysAwayFailSayingWhyAndTheClientRecovers() throws Exception {
        client = builder().outageTimeout(Duration.ofSeconds(1)).build();
        CompletableFuture<Reply> stranded = client.send("conv-stranded", "Hello",
                SendOptions.builder().requestId("stranded").build());

        broker.stop();
        try {
            assertThatThrownBy(stranded::join).cause().isInstanceOf(ParleyUnreachableException.class)
                    .hasMessageContaining("request stranded")
                    .hasMessageContaining("cannot read replies from the broker since")
                    .hasMessageContaining("outage timeout PT1S")
                    .hasMessageContaining("last error: TimeoutException");
            ClientHealth down = client.health();
            assertThat(down.healthy()).as("failing longer than the outage timeout").isFalse();
            assertThat(down.listening()).isTrue();
            assertThat(down.failingSince()).isNotNull();
        } finally {
            broker.start();
        }

        assertThat(answered("after")).isEqualTo("answer to after");
        assertThat(client.listenerRetries()).isPositive();
        // The round that handed the reply over ends the run of failures just after.
        await().atMost(Duration.ofMinutes(1)).until(() -> client.health().healthy());
        assertThat(client.health().failingSince()).isNull();
    }
}
