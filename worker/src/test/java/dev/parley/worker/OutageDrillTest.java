package dev.parley.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.parley.client.ParleyClient;
import dev.parley.client.SendOptions;
import dev.parley.schemas.GenerationParams;
import dev.parley.schemas.Reply;
import dev.parley.testkit.kafka.KafkaBroker;
import dev.parley.testkit.redis.RedisServer;
import dev.parley.worker.config.WorkerConfig;
import dev.parley.worker.engine.cpp.NativeEngine;
import dev.parley.worker.engine.cpp.NativeEngineConfig;
import dev.parley.worker.history.HistoryEntry;
import dev.parley.worker.history.RedisHistoryStore;
import dev.parley.worker.metrics.ParleyMeter;
import dev.parley.testkit.junit.ParleyInfraExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Redis taken away for ten seconds under load, then the broker: the workers wait with backoff, say so on /ready,
 * resume by themselves, and nothing is lost, repeated or reordered; the SDK client keeps sending through both. On the
 * default (native) engine. A dedicated broker and a persistent Redis, so the shared ones other tests use are not
 * disturbed.
 */
@ExtendWith(ParleyInfraExtension.class)
class OutageDrillTest {

    private static final Logger log = LoggerFactory.getLogger(OutageDrillTest.class);
    private static final int CONVERSATIONS = 30;
    private static final int TURNS = 6;

    @Test
    void workersRideOutARedisOutageAndABrokerRestart(ParleyInfraExtension.TestModels models) throws Exception {
        try (KafkaBroker broker = KafkaBroker.launch(); RedisServer redis = RedisServer.launchPersistent()) {
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            List<Worker> workers = new ArrayList<>();
            List<NativeEngine> engines = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                NativeEngine engine = NativeEngine.load(NativeEngineConfig.forModel(models.tiny(),
                        EngineExtension.libraries()).withSlots(2).withContextPerSlot(1024).withSnapshotBytes(8L << 20)
                        .withThreads(1));
                engines.add(engine);
                workers.add(Worker.start(WorkerConfig.builder().bootstrapServers(broker.bootstrapServers())
                        .redisUri(redis.uri()).partitions(4).workerId("drill-" + i).commitInterval(Duration.ofMillis(200))
                        .build(), engine, registry));
            }
            try (ParleyClient client = ParleyClient.builder().bootstrapServers(broker.bootstrapServers())
                    .replyTimeout(Duration.ofMinutes(3)).build()) {
                AtomicInteger answered = new AtomicInteger();
                List<CompletableFuture<List<Reply>>> conversations = new ArrayList<>();
                SendOptions options = SendOptions.builder().params(GenerationParams.DEFAULTS.withMaxTokens(3)).build();
                for (int c = 0; c < CONVERSATIONS; c++) {
                    String id = "outage-" + c;
                    CompletableFuture<List<Reply>> chain = CompletableFuture.completedFuture(new ArrayList<>());
                    for (int t = 0; t < TURNS; t++) {
                        int turn = t;
                        chain = chain.thenCompose(replies -> client.send(id, "turn " + turn,
                                options.newBuilder().requestId(id + "-" + turn).build()).thenApply(reply -> {
                                    answered.incrementAndGet();
                                    replies.add(reply);
                                    return replies;
                                }));
                    }
                    conversations.add(chain);
                }

                await().atMost(Duration.ofMinutes(1)).until(() -> answered.get() >= CONVERSATIONS);
                redis.stop();
                await().atMost(Duration.ofSeconds(30)).until(() -> workers.stream()
                        .noneMatch(w -> w.readiness().redisReachable()));
                int duringRedisOutage = answered.get();
                Thread.sleep(10_000); // the outage itself: Redis stays away for ten seconds
                assertThat(workers).allSatisfy(w -> assertThat(w.readiness().ready()).isFalse());
                redis.start();
                await().atMost(Duration.ofSeconds(30)).until(() -> workers.stream().allMatch(w -> w.readiness().ready()));
                log.info("Redis outage: {} replies before, {} during the ten seconds", duringRedisOutage,
                        answered.get() - duringRedisOutage);

                await().atMost(Duration.ofMinutes(1)).until(() -> answered.get() >= CONVERSATIONS * TURNS / 2);
                broker.stop();
                await().atMost(Duration.ofSeconds(30)).until(() -> workers.stream()
                        .noneMatch(w -> w.readiness().brokerConnected()));
                Thread.sleep(5_000); // the broker stays away for five seconds
                broker.start();
                await().atMost(Duration.ofSeconds(60)).until(() -> workers.stream().allMatch(w -> w.readiness().ready()));

                List<List<Reply>> all = conversations.stream().map(CompletableFuture::join).toList();
                double retries = registry.find(ParleyMeter.TURN_RETRIES.meterName()).counters().stream()
                        .mapToDouble(counter -> counter.count()).sum();
                log.info("Outage drill (native engine): {} requests, {} answered, {} retried steps, {} client listener "
                                + "retries, {} duplicate replies dropped, lost {}", CONVERSATIONS * TURNS, answered.get(),
                        (long) retries, client.listenerRetries(), client.duplicateRepliesDropped(),
                        CONVERSATIONS * TURNS - answered.get());
                assertThat(retries).as("the outages were felt").isPositive();
                try (RedisHistoryStore history = RedisHistoryStore.connect(redis.uri(), Duration.ZERO)) {
                    for (int c = 0; c < CONVERSATIONS; c++) {
                        String id = "outage-" + c;
                        assertThat(all.get(c)).extracting(Reply::turn).containsExactly(1, 2, 3, 4, 5, 6);
                        assertThat(history.load(id)).extracting(HistoryEntry::requestId)
                                .containsExactly(id + "-0", id + "-1", id + "-2", id + "-3", id + "-4", id + "-5");
                    }
                }
            } finally {
                workers.forEach(Worker::close);
                engines.forEach(NativeEngine::close);
            }
        }
    }
}
