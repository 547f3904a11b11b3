package dev.parley.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.parley.schemas.ModelAnnouncement;
import dev.parley.schemas.Prompt;
import dev.parley.schemas.codec.WireJson;
import dev.parley.testkit.ParleyInfra;
import dev.parley.testkit.junit.ParleyInfraExtension;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
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
 * The client's routing by model against a real broker. The announcements are written by the test, standing in for
 * workers (the worker's own announcing is tested with real workers in the worker module's SeveralModelsTest).
 */
@ExtendWith(ParleyInfraExtension.class)
class ModelRoutingTest {

    private final String prefix = "route" + UUID.randomUUID().toString().substring(0, 8);
    private final String prompts = prefix + ".prompts";
    private final String replies = prefix + ".replies";
    private final String models = prefix + ".models";
    private ParleyInfra infra;
    private KafkaProducer<String, byte[]> writer;
    private final List<ParleyClient> clients = new ArrayList<>();

    @BeforeEach
    void createTopics(ParleyInfra infra) throws Exception {
        this.infra = infra;
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", infra.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(prompts, 2, (short) 1), new NewTopic(prompts + ".a", 2, (short) 1),
                    new NewTopic(prompts + ".b", 2, (short) 1), new NewTopic(replies, 2, (short) 1),
                    new NewTopic(models, 1, (short) 1))).all().get();
        }
        writer = new KafkaProducer<>(Map.of("bootstrap.servers", infra.bootstrapServers()), new StringSerializer(),
                new ByteArraySerializer());
    }

    @AfterEach
    void close() {
        clients.forEach(ParleyClient::close);
        writer.close();
    }

    private ParleyClient client(String modelsTopic) {
        ParleyClient client = ParleyClient.builder().bootstrapServers(infra.bootstrapServers()).promptsTopic(prompts)
                .repliesTopic(replies).modelsTopic(modelsTopic).replyTimeout(Duration.ofSeconds(30)).build();
        clients.add(client);
        return client;
    }

    private void announce(String model, String topic, String worker, Instant expires) throws Exception {
        ModelAnnouncement announcement = new ModelAnnouncement(model, topic, prefix + "-" + model, worker, null, 2,
                Instant.now(), expires);
        writer.send(new ProducerRecord<>(models, announcement.key(), WireJson.toBytes(announcement))).get();
    }

    private void announce(String model, String worker, Boolean callsTools) throws Exception {
        ModelAnnouncement announcement = new ModelAnnouncement(model, prompts + "." + model, prefix + "-" + model,
                worker, null, 2, Instant.now(), inMinutes(5), null, callsTools);
        writer.send(new ProducerRecord<>(models, announcement.key(), WireJson.toBytes(announcement))).get();
    }

    @Test
    void aPromptUsingToolsIsRefusedBeforeItIsSentWhenNoWorkerOfItsModelCallsTools() throws Exception {
        announce("a", "w-1", false);
        announce("a", "w-2", false);
        ParleyClient client = client(models);
        SendOptions withTools = SendOptions.builder().model("a")
                .tools(List.of(dev.parley.schemas.Tool.function("get_time", null, null))).build();

        assertThatThrownBy(() -> client.send("c-1", "what time is it?", withTools))
                .isInstanceOf(UnsupportedFeatureException.class).hasMessageContaining("calls no tools");
        client.publish("c-2", "no tools here", SendOptions.builder().model("a").build());
        assertThat(promptsOn(prompts + ".a", 1)).singleElement()
                .satisfies(p -> assertThat(p.conversationId()).isEqualTo("c-2"));

        // One worker that calls tools (or says nothing, as workers from before) is enough for the prompt to go.
        announce("a", "w-3", true);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(client.servedModel("a"))
                .hasValueSatisfying(m -> assertThat(m.callsTools()).isTrue()));
        client.publish("c-3", "what time is it?", withTools);
        assertThat(promptsOn(prompts + ".a", 2)).extracting(Prompt::conversationId).contains("c-3");
    }

    private List<Prompt> promptsOn(String topic, int expected) {
        return promptsOn(topic, expected, Duration.ofSeconds(20));
    }

    private List<Prompt> promptsOn(String topic, int expected, Duration wait) {
        try (var consumer = new KafkaConsumer<>(Map.<String, Object>of("bootstrap.servers", infra.bootstrapServers()),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            Set<TopicPartition> all = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).collect(Collectors.toSet());
            consumer.assign(all);
            consumer.seekToBeginning(all);
            List<Prompt> found = new ArrayList<>();
            long deadline = System.nanoTime() + wait.toNanos();
            while (found.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    found.add(WireJson.fromBytes(record.value(), Prompt.class));
                }
            }
            return found;
        }
    }

    private static Instant inMinutes(int minutes) {
        return Instant.now().plus(Duration.ofMinutes(minutes));
    }

    @Test
    void aPromptGoesToTheTopicItsModelsWorkersAnnounceAndOneWithoutAModelToThePromptsTopic() throws Exception {
        announce("a", prompts + ".a", "w-1", inMinutes(5));
        announce("a", prompts + ".a", "w-2", inMinutes(5));
        announce("b", prompts + ".b", "w-3", inMinutes(5));
        ParleyClient client = client(models);

        client.publish("c-1", "for a", SendOptions.builder().model("a").build());
        client.send("c-2", "for b", SendOptions.builder().model("b").build());
        client.publish("c-3", "for whoever serves the prompts topic");

        assertThat(promptsOn(prompts + ".a", 1)).singleElement().satisfies(p -> {
            assertThat(p.model()).isEqualTo("a");
            assertThat(p.conversationId()).isEqualTo("c-1");
        });
        assertThat(promptsOn(prompts + ".b", 1)).extracting(Prompt::model).containsExactly("b");
        assertThat(promptsOn(prompts, 1)).extracting(Prompt::model).containsExactly((String) null);
        assertThat(client.servedModels()).containsExactly(
                new ServedModel("a", prompts + ".a", List.of("w-1", "w-2"), client.servedModels().get(0).expiresAt()),
                new ServedModel("b", prompts + ".b", List.of("w-3"), client.servedModels().get(1).expiresAt()));
    }

    @Test
    void aModelNobodyServesIsRefusedBeforeAnythingIsSentListingTheServedOnes() throws Exception {
        announce("b", prompts + ".b", "w-3", inMinutes(5));
        announce("a", prompts + ".a", "w-1", inMinutes(5));
        ParleyClient client = client(models);

        assertThatThrownBy(() -> client.send("c-1", "hi", SendOptions.builder().model("gpt-4o").build()))
                .isInstanceOfSatisfying(UnknownModelException.class, e -> {
                    assertThat(e.model()).isEqualTo("gpt-4o");
                    assertThat(e.servedModels()).containsExactly("a", "b");
                })
                .hasMessage("unknown model 'gpt-4o': the pool serves a, b");
        assertThatThrownBy(() -> client.send(Prompt.of("r-1", "c-1", "hi").withModel("gpt-4o")))
                .isInstanceOf(UnknownModelException.class);
        assertThat(client.pendingRequests()).isZero();
        assertThat(promptsOn(prompts, 1, Duration.ofSeconds(2))).isEmpty(); // refused before the producer saw it
    }

    @Test
    void anExpiredOrWithdrawnAnnouncementNoLongerCounts() throws Exception {
        announce("old", prompts + ".a", "w-1", Instant.now().minusSeconds(1));
        announce("gone", prompts + ".b", "w-2", inMinutes(5));
        writer.send(new ProducerRecord<>(models, "gone/w-2", null)).get();
        announce("live", prompts + ".a", "w-3", inMinutes(5));
        ParleyClient client = client(models);

        assertThat(client.servedModels()).extracting(ServedModel::name).containsExactly("live");
        assertThatThrownBy(() -> client.publish("c", "hi", SendOptions.builder().model("old").build()))
                .isInstanceOf(UnknownModelException.class).hasMessageContaining("serves live");
        assertThatThrownBy(() -> client.publish("c", "hi", SendOptions.builder().model("gone").build()))
                .isInstanceOf(UnknownModelException.class);
    }

    @Test
    void aModelAnnouncedAfterTheClientLookedIsFoundWithoutANewClient() throws Exception {
        ParleyClient client = client(models);
        assertThat(client.servedModels()).isEmpty();

        announce("late", prompts + ".a", "w-9", inMinutes(5));

        // A miss reads the topic again (at most twice a second), so the new worker is found on a later attempt.
        await().atMost(Duration.ofSeconds(30)).ignoreException(UnknownModelException.class)
                .until(() -> client.publish("c-late", "hi", SendOptions.builder().model("late").build()) != null);
        assertThat(promptsOn(prompts + ".a", 1)).extracting(Prompt::model).containsExactly("late");
    }

    @Test
    void withoutAModelsTopicEveryNamedModelIsUnknownAndPlainPromptsStillGo() {
        ParleyClient client = client(prefix + ".no-such-models");

        assertThatThrownBy(() -> client.publish("c", "hi", SendOptions.builder().model("a").build()))
                .isInstanceOf(UnknownModelException.class)
                .hasMessage("unknown model 'a': the pool serves no model by name (no worker announces one on "
                        + prefix + ".no-such-models)");
        client.publish("c", "hi");
        assertThat(promptsOn(prompts, 1)).hasSize(1);
    }

    @Test
    void aBatchLineForAModelNobodyServesIsAnErrorLineListingTheServedOnes(@org.junit.jupiter.api.io.TempDir
                                                                         java.nio.file.Path dir) throws Exception {
        announce("a", prompts + ".a", "w-1", inMinutes(5));
        ParleyClient client = client(models);
        java.nio.file.Path input = dir.resolve("in.jsonl");
        java.nio.file.Files.writeString(input, "{\"custom_id\":\"q1\",\"body\":{\"model\":\"gpt-4o\","
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}}\n");

        var summary = dev.parley.client.batch.BatchJob.builder(client).input(input).output(dir.resolve("out.jsonl"))
                .errors(dir.resolve("err.jsonl")).build().run();

        assertThat(summary.failed()).isEqualTo(1);
        assertThat(java.nio.file.Files.readString(dir.resolve("err.jsonl"))).contains("model_not_found")
                .contains("unknown model 'gpt-4o': the pool serves a");
        assertThat(promptsOn(prompts, 1, Duration.ofSeconds(2))).isEmpty();
    }

    @Test
    void aBatchToldToIgnoreLineModelsSendsEveryLineToThePromptsTopic(@org.junit.jupiter.api.io.TempDir
                                                                    java.nio.file.Path dir) throws Exception {
        ParleyClient client = client(models);
        java.nio.file.Path input = dir.resolve("in.jsonl");
        java.nio.file.Files.writeString(input, "{\"custom_id\":\"q1\",\"body\":{\"model\":\"gpt-4o-mini\","
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}}\n");
        var job = dev.parley.client.batch.BatchJob.builder(client).input(input).output(dir.resolve("out.jsonl"))
                .errors(dir.resolve("err.jsonl")).requestTimeout(Duration.ofSeconds(1)).routeByModel(false).build();

        job.run(); // nobody answers here: the line times out, after it was published

        assertThat(promptsOn(prompts, 1)).extracting(Prompt::model).containsExactly((String) null);
    }

    @Test
    void aModelNameAPromptCannotCarryIsRefusedByTheOptions() {
        assertThatThrownBy(() -> SendOptions.builder().model("org/model")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'org/model'");
        assertThatThrownBy(() -> ParleyClient.builder().modelsTopic("no spaces")).hasMessageContaining("modelsTopic");
    }
}
