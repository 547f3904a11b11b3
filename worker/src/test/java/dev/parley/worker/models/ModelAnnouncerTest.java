package dev.parley.worker.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.parley.schemas.ModelAnnouncement;
import dev.parley.schemas.WorkerLoad;
import dev.parley.schemas.codec.WireJson;
import dev.parley.worker.config.WorkerConfig;
import dev.parley.worker.engine.EngineInfo;
import dev.parley.worker.metrics.WorkerMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** The announcer's records and its retries, on Kafka's own MockProducer (the real path is in SeveralModelsTest). */
class ModelAnnouncerTest {

    private static final Instant NOW = Instant.parse("2026-12-04T08:00:00Z");
    private static final ServedModel SERVED = ModelServing.DEFAULT.named("tiny").ownTopic()
            .resolve(WorkerConfig.builder().bootstrapServers("b:1").redisUri("redis://r:1").build(),
                    new EngineInfo("tiny-42", 2, 1024));

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @Test
    void startPublishesOneAnnouncementPerWorkerKeyThatExpiresAfterTenIntervals() {
        MockProducer<String, byte[]> producer = new MockProducer<>(true, null, new StringSerializer(),
                new ByteArraySerializer());
        try (ModelAnnouncer announcer = new ModelAnnouncer(producer, SERVED, "w-1", 2, new WorkerMetrics(registry),
                Clock.fixed(NOW, ZoneOffset.UTC))) {
            announcer.start(Duration.ofSeconds(30));

            assertThat(producer.history()).singleElement().satisfies(record -> {
                assertThat(record.topic()).isEqualTo("parley.models");
                assertThat(record.key()).isEqualTo("tiny/w-1");
                assertThat(WireJson.fromBytes(record.value(), ModelAnnouncement.class)).isEqualTo(new ModelAnnouncement(
                        "tiny", "parley.prompts.tiny", "parley-workers.tiny", "w-1", "tiny-42", 2, NOW,
                        NOW.plus(Duration.ofMinutes(5))));
            });
            assertThat(registry.get("parley.model.announcements").counter().count()).isEqualTo(1);
        }
    }

    @Test
    void anAnnouncementSaysWhetherTheEngineCallsTools() {
        MockProducer<String, byte[]> producer = new MockProducer<>(true, null, new StringSerializer(),
                new ByteArraySerializer());
        try (ModelAnnouncer announcer = new ModelAnnouncer(producer, SERVED, "w-1", 2, new WorkerMetrics(registry),
                Clock.fixed(NOW, ZoneOffset.UTC)).announcingTools(false)) {
            announcer.start(Duration.ofSeconds(30));

            assertThat(producer.history()).singleElement().satisfies(record -> assertThat(
                    WireJson.fromBytes(record.value(), ModelAnnouncement.class).callsTools()).isFalse());
        }
    }

    @Test
    void aFailedAnnouncementIsCountedAndTriedAgainAfterAPause() {
        MockProducer<String, byte[]> producer = new MockProducer<>(false, null, new StringSerializer(),
                new ByteArraySerializer());
        try (ModelAnnouncer announcer = new ModelAnnouncer(producer, SERVED, "w-1", 2, new WorkerMetrics(registry),
                Clock.fixed(NOW, ZoneOffset.UTC))) {
            announcer.start(Duration.ofMillis(1)); // the broker does not answer in time: the worker starts anyway

            await().atMost(Duration.ofSeconds(30)).until(() -> producer.history().size() == 1);
            producer.errorNext(new org.apache.kafka.common.errors.TimeoutException("broker away"));
            assertThat(registry.get("parley.retries").tag("loop", "model_announce").counter().count()).isEqualTo(1);

            await().atMost(Duration.ofSeconds(30)).until(() -> producer.history().size() == 2);
            producer.completeNext();
            await().atMost(Duration.ofSeconds(30)).until(
                    () -> registry.get("parley.model.announcements").counter().count() == 1);
            assertThat(producer.history()).hasSize(2); // the next renewal waits for the interval
        }
    }

    @Test
    void withLoadReportsTheAnnouncementIsPublishedAgainEveryLoadIntervalWithFreshFigures() {
        MockProducer<String, byte[]> producer = new MockProducer<>(true, null, new StringSerializer(),
                new ByteArraySerializer());
        java.util.concurrent.atomic.AtomicInteger waiting = new java.util.concurrent.atomic.AtomicInteger();
        try (ModelAnnouncer announcer = new ModelAnnouncer(producer, SERVED, "w-1", 2, new WorkerMetrics(registry),
                Clock.fixed(NOW, ZoneOffset.UTC)).reportingLoad(() -> new WorkerLoad(waiting.getAndIncrement(), 0, 0,
                        0, 0, 0, java.util.List.of()), Duration.ofMillis(20))) {
            announcer.start(Duration.ofSeconds(30));

            await().atMost(Duration.ofSeconds(30)).until(() -> producer.history().size() >= 3);
            java.util.List<ModelAnnouncement> sent = producer.history().stream()
                    .map(record -> WireJson.fromBytes(record.value(), ModelAnnouncement.class)).toList();
            assertThat(sent).allSatisfy(a -> assertThat(a.key()).isEqualTo("tiny/w-1"));
            assertThat(sent.subList(0, 3)).extracting(a -> a.load().waitingTurns()).containsExactly(0, 1, 2);
            // Load reports are not renewals: the renewal loop still runs once per announce interval.
            assertThat(registry.get("parley.model.announcements").counter().count()).isEqualTo(1);
        }
    }
}
