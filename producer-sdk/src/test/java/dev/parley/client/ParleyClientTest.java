package dev.parley.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.parley.schemas.Chunk;
import dev.parley.schemas.FinishReason;
import dev.parley.schemas.GenerationParams;
import dev.parley.schemas.Priority;
import dev.parley.schemas.Prompt;
import dev.parley.schemas.Reply;
import dev.parley.schemas.ReplyStatus;
import dev.parley.schemas.ResponseFormat;
import dev.parley.schemas.Tool;
import dev.parley.schemas.ToolChoice;
import dev.parley.schemas.TestVectors;
import dev.parley.schemas.Timings;
import dev.parley.schemas.Usage;
import dev.parley.schemas.codec.WireJson;
import dev.parley.schemas.validation.PromptDecoder;
import dev.parley.testkit.ParleyInfra;
import dev.parley.testkit.junit.ParleyInfraExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The client against a real broker. Replies are written by the test itself, standing in for a worker, so the
 * client's own logic (correlation, duplicates, timeouts, start position) is what is tested.
 */
@ExtendWith(ParleyInfraExtension.class)
class ParleyClientTest {

    private final String prefix = "sdk" + UUID.randomUUID().toString().substring(0, 8);
    private final String prompts = prefix + ".prompts";
    private final String replies = prefix + ".replies";
    private ParleyInfra infra;
    private KafkaProducer<String, byte[]> replyWriter;
    private final List<ParleyClient> clients = new ArrayList<>();

    @BeforeEach
    void createTopics(ParleyInfra infra) throws Exception {
        this.infra = infra;
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", infra.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(prompts, 3, (short) 1), new NewTopic(replies, 3, (short) 1),
                    new NewTopic(prefix + ".models", 1, (short) 1))).all().get();
        }
        replyWriter = new KafkaProducer<>(Map.of("bootstrap.servers", infra.bootstrapServers()),
                new StringSerializer(), new ByteArraySerializer());
    }

    @AfterEach
    void close() {
        clients.forEach(ParleyClient::close);
        replyWriter.close();
    }

    private ParleyClient client(Duration timeout) {
        ParleyClient client = ParleyClient.builder().bootstrapServers(infra.bootstrapServers())
                .promptsTopic(prompts).repliesTopic(replies).modelsTopic(prefix + ".models").replyTimeout(timeout).build();
        clients.add(client);
        return client;
    }

    private void reply(String requestId, String conversationId, String content) throws Exception {
        replyWriter.send(new ProducerRecord<>(replies, conversationId, replyBytes(requestId, conversationId, content)))
                .get();
    }

    private static byte[] replyBytes(String requestId, String conversationId, String content) {
        return WireJson.toBytes(Reply.builder().requestId(requestId).conversationId(conversationId)
                .status(ReplyStatus.OK).content(content).finishReason(FinishReason.STOP).usage(new Usage(3, 0, 0, 2))
                .timings(Timings.NONE).turn(1).droppedTurns(0).model("m").worker("w").build());
    }

    private void chunks(String requestId, String conversationId, List<String> deltas) throws Exception {
        for (int seq = 0; seq < deltas.size(); seq++) {
            Chunk chunk = Chunk.of(requestId, conversationId, seq, 1, deltas.get(seq), "w");
            replyWriter.send(new ProducerRecord<>(replies, conversationId, WireJson.toBytes(chunk)));
        }
        replyWriter.flush();
    }

    /** Collects a stream's chunks; {@code gate} runs before each one (a slow subscriber blocks in it). */
    private record Collector(List<String> seen, CompletableFuture<Void> done, Runnable gate)
            implements Flow.Subscriber<Chunk> {
        Collector(Runnable gate) {
            this(new CopyOnWriteArrayList<>(), new CompletableFuture<>(), gate);
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(Chunk chunk) {
            gate.run();
            seen.add(chunk.delta());
        }

        @Override
        public void onError(Throwable error) {
            done.completeExceptionally(error);
        }

        @Override
        public void onComplete() {
            done.complete(null);
        }
    }

    private List<ConsumerRecord<String, byte[]>> promptRecords(int expected) {
        try (var consumer = new KafkaConsumer<>(Map.<String, Object>of("bootstrap.servers", infra.bootstrapServers()),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            Set<TopicPartition> all = consumer.partitionsFor(prompts).stream()
                    .map(p -> new TopicPartition(prompts, p.partition())).collect(Collectors.toSet());
            consumer.assign(all);
            consumer.seekToBeginning(all);
            List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
            long deadline = System.currentTimeMillis() + 20_000;
            while (records.size() < expected && System.currentTimeMillis() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
            return records;
        }
    }

    @Test
    void sendPublishesAKeyedValidPromptAndCompletesWithItsReply() throws Exception {
        ParleyClient client = client(Duration.ofSeconds(30));
        CompletableFuture<Reply> future = client.send("conv-a", "Hello",
                SendOptions.builder().requestId("req-a").system("Be brief.").metadata("trace", "t1").build());

        ConsumerRecord<String, byte[]> record = promptRecords(1).get(0);
        assertThat(record.key()).isEqualTo("conv-a");
        var decoded = (PromptDecoder.Accepted) new PromptDecoder().decode(record.key(), record.value());
        assertThat(decoded.prompt().requestId()).isEqualTo("req-a");
        assertThat(decoded.prompt().replyTo()).isEqualTo(replies);
        assertThat(decoded.prompt().system()).isEqualTo("Be brief.");
        assertThat(decoded.prompt().metadata()).containsEntry("trace", "t1");
        assertThat(decoded.prompt().priority()).as("no priority given: none sent (interactive)").isNull();

        reply("someone-elses-request", "conv-x", "not yours");
        reply("req-a", "conv-a", "Hi!");

        assertThat(future.join().content()).isEqualTo("Hi!");
        assertThat(client.pendingRequests()).isZero();
    }

    @Test
    void aDuplicateReplyCompletesOnceAndIsCounted() throws Exception {
        ParleyClient client = client(Duration.ofSeconds(30));
        CompletableFuture<Reply> future = client.send("conv-b", "Hello", SendOptions.builder().requestId("req-b").build());

        reply("req-b", "conv-b", "first");
        reply("req-b", "conv-b", "again");

        assertThat(future.join().content()).isEqualTo("first");
        await().atMost(Duration.ofSeconds(20)).until(() -> client.duplicateRepliesDropped() == 1);
    }

    @Test
    void noReplyInTimeFailsWithATimeoutNamingTheRequest() {
        ParleyClient client = client(Duration.ofMillis(300));

        CompletableFuture<Reply> future = client.send("conv-c", "Hello", SendOptions.builder().requestId("req-c").build());

        assertThatThrownBy(future::join).isInstanceOf(CompletionException.class)
                .cause().isInstanceOf(ParleyTimeoutException.class)
                .hasMessageContaining("req-c").hasMessageContaining("conv-c").hasMessageContaining("PT0.3S");
    }

    @Test
    void repliesSentBeforeTheClientStartedAreNotSeen() throws Exception {
        reply("req-old", "conv-d", "stale");
        ParleyClient client = client(Duration.ofSeconds(2));

        CompletableFuture<Reply> future = client.send("conv-d", "Hello", SendOptions.builder().requestId("req-old").build());

        assertThatThrownBy(future::join).cause().isInstanceOf(ParleyTimeoutException.class);
    }

    @Test
    void publishReturnsTheRequestIdWithoutWaiting() {
        ParleyClient client = client(Duration.ofSeconds(30));

        String requestId = client.publish("conv-e", "fire and forget",
                SendOptions.builder().priority(Priority.BATCH).build());

        var record = promptRecords(1).get(0);
        var decoded = (PromptDecoder.Accepted) new PromptDecoder().decode(record.key(), record.value());
        assertThat(decoded.prompt().requestId()).isEqualTo(requestId);
        assertThat(decoded.prompt().priority()).isEqualTo(Priority.BATCH);
        assertThat(client.pendingRequests()).isZero();
    }

    @Test
    void aPromptAWorkerWouldRejectIsRefusedBeforeSendingNamingTheField() {
        ParleyClient client = client(Duration.ofSeconds(30));

        assertThatThrownBy(() -> client.send("conv-f", "", SendOptions.NONE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("$.messages[0].content");
        assertThatThrownBy(() -> client.send("conv f", "hi")).hasMessageContaining("$.conversation_id");
    }

    @Test
    void aResponseFormatSchemaOutsideTheSubsetIsRefusedBeforeSendingNamingTheKeyword() {
        ParleyClient client = client(Duration.ofSeconds(30));
        var schema = WireJson.mapper().readTree(
                "{\"type\":\"object\",\"properties\":{\"when\":{\"type\":\"string\",\"format\":\"date\"}}}");
        SendOptions options = SendOptions.builder()
                .responseFormat(ResponseFormat.jsonSchema("event", schema)).build();

        assertThatThrownBy(() -> client.send("conv-schema", "When?", options))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unsupported keyword 'format'")
                .hasMessageContaining("$.params.response_format.json_schema.schema.properties.when.format");
    }

    @Test
    void aSchemaBoundTooBigForALongIsRefusedAsAnIllegalArgumentNotAJacksonException() {
        ParleyClient client = client(Duration.ofSeconds(30));
        var schema = WireJson.mapper().readTree("{\"type\":\"array\",\"minItems\":100000000000000000000}");
        SendOptions options = SendOptions.builder()
                .responseFormat(ResponseFormat.jsonSchema("big", schema)).build();

        assertThatThrownBy(() -> client.send("conv-big", "List them", options))
                .isExactlyInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("invalid prompt: ");
        assertThatThrownBy(() -> client.publish("conv-big", "List them", options))
                .isExactlyInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("invalid prompt: ");
        assertThat(client.pendingRequests()).isZero();
    }

    @Test
    void toolOptionsTravelWithThePromptAndAChoiceOfAMissingToolIsRefusedBeforeSending() throws Exception {
        ParleyClient client = client(Duration.ofSeconds(30));
        var weather = Tool.function("get_weather", "The weather in a city.", WireJson.mapper().readTree(
                "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}"));
        SendOptions options = SendOptions.builder().tools(List.of(weather)).toolChoice(ToolChoice.REQUIRED)
                .parallelToolCalls(false).build();

        client.publish("conv-tools", "Weather in Paris?", options);

        Prompt sent = ((PromptDecoder.Accepted) new PromptDecoder().decode("conv-tools",
                promptRecords(1).get(0).value())).prompt();
        assertThat(sent.tools()).containsExactly(weather);
        assertThat(sent.toolChoice()).isEqualTo(ToolChoice.REQUIRED);
        assertThat(sent.parallelToolCalls()).isFalse();
        assertThatThrownBy(() -> client.publish("conv-tools", "Weather?",
                options.newBuilder().toolChoice(ToolChoice.function("send_email")).build()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("$.tool_choice.function.name");
    }

    @Test
    void theResponseFormatOptionTravelsInTheParamsWithTheOtherParameters() {
        SendOptions options = SendOptions.builder()
                .params(GenerationParams.DEFAULTS.withMaxTokens(9))
                .responseFormat(ResponseFormat.JSON_OBJECT).build();

        assertThat(options.params().maxTokens()).isEqualTo(9);
        assertThat(options.params().responseFormat()).isEqualTo(ResponseFormat.JSON_OBJECT);
        assertThat(options.newBuilder().build().params()).isEqualTo(options.params());
        assertThat(SendOptions.NONE.params()).isNull();
    }

    @Test
    void everyValidSharedVectorGoesThroughTheClientUnchanged() throws Exception {
        ParleyClient client = client(Duration.ofSeconds(30));
        List<Prompt> sent = new ArrayList<>();
        for (TestVectors.Valid vector : TestVectors.locate().validPrompts()) {
            Prompt prompt = WireJson.fromBytes(vector.bytes(), Prompt.class);
            if (prompt.model() != null) {
                // A worker serving the vector's model on this test's prompts topic, so the client routes it there.
                var announced = new dev.parley.schemas.ModelAnnouncement(prompt.model(), prompts, prefix, "w",
                        null, 1, java.time.Instant.now(), java.time.Instant.now().plusSeconds(300));
                replyWriter.send(new ProducerRecord<>(prefix + ".models", announced.key(),
                        WireJson.toBytes(announced))).get();
            }
            client.send(prompt);
            sent.add(prompt);
        }

        List<Prompt> received = promptRecords(sent.size()).stream()
                .map(r -> ((PromptDecoder.Accepted) new PromptDecoder().decode(r.key(), r.value())).prompt()).toList();

        assertThat(received).hasSameSizeAs(sent);
        for (Prompt prompt : sent) {
            Prompt routed = prompt.newBuilder().replyTo(replies).build();
            assertThat(received).contains(routed);
        }
    }

    @Test
    void publishMayDirectTheReplyElsewhereButSendMayNot() {
        ParleyClient client = client(Duration.ofSeconds(30));
        SendOptions elsewhere = SendOptions.builder().replyTo("audit.replies").build();

        client.publish("conv-g", "for the auditors", elsewhere);

        var record = promptRecords(1).get(0);
        var decoded = (PromptDecoder.Accepted) new PromptDecoder().decode(record.key(), record.value());
        assertThat(decoded.prompt().replyTo()).isEqualTo("audit.replies");
        assertThatThrownBy(() -> client.send("conv-g", "x", elsewhere)).hasMessageContaining("'audit.replies'");
    }

    @Test
    void builderRefusesBadSettingsNamingThem() {
        assertThatThrownBy(() -> ParleyClient.builder().replyTimeout(Duration.ZERO)).hasMessageContaining("replyTimeout");
        assertThatThrownBy(() -> ParleyClient.builder().repliesTopic("no spaces")).hasMessageContaining("'no spaces'");
        assertThatThrownBy(() -> ParleyClient.builder().build()).hasMessageContaining("bootstrapServers");
        assertThatThrownBy(() -> ParleyClient.builder().bootstrapServers(infra.bootstrapServers())
                .repliesTopic("does-not-exist").startTimeout(Duration.ofSeconds(2)).build())
                .hasMessageContaining("does-not-exist");
    }

    @Test
    void aStreamedFutureTimesOutAndCloseFailsTheOthersWhileTheirChunkCallbacksBlockForever() throws Exception {
        ParleyClient client = client(Duration.ofMinutes(5));
        CountDownLatch never = new CountDownLatch(1);
        CountDownLatch bothBlocked = new CountDownLatch(2);
        Consumer<Chunk> stuck = chunk -> {
            bothBlocked.countDown();
            try {
                never.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        try {
            CompletableFuture<Reply> timesOut = client.send("conv-t", "Tell a story",
                    SendOptions.builder().requestId("req-t").timeout(Duration.ofSeconds(2)).build(), stuck);
            CompletableFuture<Reply> closed = client.send("conv-k", "Tell a story",
                    SendOptions.builder().requestId("req-k").build(), stuck);
            chunks("req-t", "conv-t", List.of("t0", "t1"));
            chunks("req-k", "conv-k", List.of("k0", "k1"));
            reply("req-t", "conv-t", "t0t1");
            assertThat(bothBlocked.await(60, TimeUnit.SECONDS)).as("both callbacks got their first chunk").isTrue();

            assertThat(timesOut).as("the timeout does not queue behind the blocked callback")
                    .failsWithin(Duration.ofSeconds(60)).withThrowableOfType(ExecutionException.class)
                    .withCauseInstanceOf(ParleyTimeoutException.class);

            CompletableFuture.runAsync(client::close).get(60, TimeUnit.SECONDS);
            assertThat(closed).as("close() fails it rather than queue the failure behind the blocked callback")
                    .failsWithin(Duration.ofSeconds(60)).withThrowableOfType(ExecutionException.class)
                    .withMessageContaining("client closed");
        } finally {
            never.countDown();
        }
    }

    @Test
    void aReplyRecordThatCannotBeReadIsSteppedPastByItsOffsetAndTheRepliesAroundItArrive() throws Exception {
        ParleyClient client = client(Duration.ofMinutes(5));
        CompletableFuture<Reply> before = client.send("conv-bomb", "Hi", SendOptions.builder().requestId("req-before").build());
        CompletableFuture<Reply> after = client.send("conv-bomb", "Hi", SendOptions.builder().requestId("req-after").build());

        // One zstd batch: a good reply, then a record declaring ~2 GiB that no poll can allocate in this heap.
        CompressionBomb.send(infra.bootstrapServers(), replies, 1,
                replyBytes("req-before", "conv-bomb", "in the same batch, before the bomb"));
        replyWriter.send(new ProducerRecord<>(replies, 1, "conv-bomb",
                replyBytes("req-after", "conv-bomb", "after the bomb"))).get();

        assertThat(before.join().content()).isEqualTo("in the same batch, before the bomb");
        assertThat(after.join().content()).isEqualTo("after the bomb");
        ClientHealth health = client.health();
        assertThat(health.unreadableReplies()).isEqualTo(1);
        assertThat(health.listening()).isTrue();
        assertThat(health.healthy()).isTrue();
        assertThat(client.send("conv-next", "Hi", SendOptions.builder().requestId("req-next").build())).isNotDone();
    }

    @Test
    void aBlockedSubscriberOrChunkCallbackHoldsUpOnlyItsOwnStream() throws Exception {
        ParleyClient client = client(Duration.ofSeconds(60));
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch slowBlocked = new CountDownLatch(2);
        Runnable block = () -> {
            slowBlocked.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        ReplyStream slow = client.stream("conv-slow", "Tell a story", SendOptions.builder().requestId("req-slow").build());
        Collector slowSubscriber = new Collector(block);
        slow.chunks().subscribe(slowSubscriber);
        List<String> callbackSeen = new CopyOnWriteArrayList<>();
        CompletableFuture<Reply> slowCallback = client.send("conv-cb", "Tell a story",
                SendOptions.builder().requestId("req-cb").build(), chunk -> {
                    block.run();
                    callbackSeen.add(chunk.delta());
                });
        ReplyStream quick = client.stream("conv-quick", "Be quick", SendOptions.builder().requestId("req-quick").build());
        Collector quickSubscriber = new Collector(() -> { });
        quick.chunks().subscribe(quickSubscriber);
        CompletableFuture<Reply> plain = client.send("conv-plain", "Hi", SendOptions.builder().requestId("req-plain").build());

        // More chunks than a Flow subscriber buffers by default (256): handing them over must not block either.
        List<String> many = new ArrayList<>();
        for (int i = 0; i < 600; i++) {
            many.add("s" + i + " ");
        }
        chunks("req-slow", "conv-slow", many);
        chunks("req-cb", "conv-cb", List.of("c0", "c1"));
        reply("req-slow", "conv-slow", String.join("", many));
        reply("req-cb", "conv-cb", "c0c1");
        assertThat(slowBlocked.await(60, TimeUnit.SECONDS)).as("both slow consumers got their first chunk").isTrue();

        chunks("req-quick", "conv-quick", List.of("q0", "q1"));
        reply("req-quick", "conv-quick", "q0q1");
        reply("req-plain", "conv-plain", "hello");

        assertThat(plain.join().content()).isEqualTo("hello");
        assertThat(quick.reply().join().content()).isEqualTo("q0q1");
        quickSubscriber.done().join();
        assertThat(quickSubscriber.seen()).containsExactly("q0", "q1");
        assertThat(slowSubscriber.done()).isNotDone();
        assertThat(slowCallback).as("a streamed future completes after its chunks").isNotDone();

        release.countDown();
        slowSubscriber.done().join();
        assertThat(slowSubscriber.seen()).containsExactlyElementsOf(many);
        assertThat(slowCallback.join().content()).isEqualTo("c0c1");
        assertThat(callbackSeen).containsExactly("c0", "c1");
    }
}
