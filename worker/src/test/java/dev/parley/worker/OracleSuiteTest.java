package dev.parley.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.client.ParleyClient;
import dev.parley.client.SendOptions;
import dev.parley.schemas.GenerationParams;
import dev.parley.schemas.Reply;
import dev.parley.testkit.ParleyInfra;
import dev.parley.testkit.junit.ParleyInfraExtension;
import dev.parley.worker.engine.InferenceEngine;
import dev.parley.worker.engine.KvTier;
import dev.parley.worker.engine.cpp.NativeEngine;
import dev.parley.worker.engine.cpp.NativeEngineConfig;
import dev.parley.worker.history.HistoryEntry;
import dev.parley.worker.metrics.ParleyMeter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * In the spirit of decaton's processor test suite: many conversations through several workers, one worker stopped
 * and another started part-way, then oracles on what every party saw. All turns are published at once, so their order
 * is the workers' doing, not the client's.
 */
@ExtendWith({ParleyInfraExtension.class})
class OracleSuiteTest {

    private static final Logger log = LoggerFactory.getLogger(OracleSuiteTest.class);
    private static final int CONVERSATIONS = 60;
    private static final int TURNS = 5;
    /**
     * The tiny model's cache takes ~270 bytes a token and a turn ~80 tokens, so a conversation's snapshot grows from
     * ~21 KiB to ~110 KiB over its five turns: this budget keeps most, not all, of a worker's ~20-40 conversations.
     */
    private static final long SNAPSHOT_BUDGET = 2 << 20;

    /**
     * With the native engine each worker has 2 sequences for its ~20 conversations and a snapshot budget that holds
     * only some of them, so turns find their context in place, in a snapshot or nowhere.
     */
    @ParameterizedTest(name = "{0} engine")
    // native only: on java-llama.cpp this drill crashed the test JVM twice on a loaded machine (SIGSEGV in free() on
    // its server thread as a worker was replaced mid-generation), which takes the whole suite down; the java engine
    // keeps its end-to-end, streaming and rehydration tests
    @ValueSource(strings = {"native"})
    void everyTurnAnsweredOnceInOrderAcrossAWorkerChange(String engineKind, ParleyInfra infra,
                                                         ParleyInfraExtension.TestModels models) throws Exception {
        ObservingEngine.Observer observer = new ObservingEngine.Observer();
        List<InferenceEngine> engines = new ArrayList<>();
        try (WorkerHarness harness = new WorkerHarness(infra, 6)) {
            List<Worker> workers = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                workers.add(startWorker(harness, "oracle-" + i, engine(engineKind, models, engines), observer));
            }
            ParleyClient client = harness.client();
            Map<String, List<Integer>> arrivalOrder = new ConcurrentHashMap<>();
            List<CompletableFuture<Reply>> futures = new CopyOnWriteArrayList<>();
            AtomicInteger answered = new AtomicInteger();
            GenerationParams params = GenerationParams.DEFAULTS.withMaxTokens(6);

            // Interleaved: turn t of every conversation before turn t + 1 of any, so conversations take turns
            // on the workers' slots (and, with the native engine, come back from snapshots).
            for (int t = 0; t < TURNS; t++) {
                for (int c = 0; c < CONVERSATIONS; c++) {
                    String conversation = harness.prefix + "-c" + c;
                    CompletableFuture<Reply> reply = client.send(conversation, "conversation " + c + " turn " + t,
                            SendOptions.builder().requestId(conversation + "-t" + t).params(params)
                                    .timeout(Duration.ofMinutes(3)).build());
                    reply.thenAccept(r -> {
                        arrivalOrder.computeIfAbsent(r.conversationId(), k -> new CopyOnWriteArrayList<>()).add(r.turn());
                        answered.incrementAndGet();
                    });
                    futures.add(reply);
                }
            }

            // Part-way: one worker leaves (its in-flight turns get little time), another joins.
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while (answered.get() < CONVERSATIONS * TURNS / 3 && System.nanoTime() < deadline) {
                Thread.sleep(20); // replies arrive on the client's thread; nothing to block on here
            }
            log.info("Replacing a worker after {} replies", answered.get());
            workers.get(0).close();
            workers.add(startWorker(harness, "oracle-3", engine(engineKind, models, engines), observer));

            List<Reply> replies = futures.stream().map(CompletableFuture::join).toList();

            // Every request answered, as the client sees it.
            assertThat(replies).hasSize(CONVERSATIONS * TURNS).allMatch(Reply::isOk);
            // the worker change happened mid-conversation: some conversation was answered by the leaver, then by
            // another worker (the joiner may find nothing left to do when the others are fast)
            assertThat(replies.stream().collect(Collectors.groupingBy(Reply::conversationId)).values())
                    .anySatisfy(turns -> {
                        List<String> byTurn = turns.stream().sorted(Comparator.comparingInt(Reply::turn))
                                .map(Reply::worker).toList();
                        assertThat(byTurn.indexOf("oracle-0")).isNotNegative();
                        assertThat(byTurn.subList(byTurn.indexOf("oracle-0"), byTurn.size()))
                                .anyMatch(worker -> !worker.equals("oracle-0"));
                    });
            for (int c = 0; c < CONVERSATIONS; c++) {
                String conversation = harness.prefix + "-c" + c;
                // Per-conversation order: the history lists the turns in publication order, each once.
                List<HistoryEntry> history = harness.history(conversation);
                assertThat(history).as(conversation).extracting(HistoryEntry::requestId)
                        .containsExactly(conversation + "-t0", conversation + "-t1", conversation + "-t2",
                                conversation + "-t3", conversation + "-t4");
                assertThat(history).extracting(HistoryEntry::turn).containsExactly(1, 2, 3, 4, 5);
                // Replies arrived in turn order.
                assertThat(arrivalOrder.get(conversation)).as(conversation).containsExactly(1, 2, 3, 4, 5);
            }
            // Never two turns of one conversation at once, on any worker.
            assertThat(observer.violations).isEmpty();

            double replayed = harness.registry.get(ParleyMeter.TURNS_REPLAYED.meterName()).counter().count();
            log.info("Oracle suite: {} requests, {} answered, {} generations, {} replays from history, "
                            + "{} duplicate replies dropped by the client",
                    CONVERSATIONS * TURNS, replies.size(), observer.generations.get(), (long) replayed,
                    client.duplicateRepliesDropped());
            assertThat(observer.generations.get()).isGreaterThanOrEqualTo(CONVERSATIONS * TURNS);
            log.info("KV tiers ({} engine): {}", engineKind, observer.tiers);
            if (engineKind.equals("native")) {
                // far more conversations than sequences, and still most returning turns found their context
                assertThat(observer.tier(KvTier.SNAPSHOT)).isPositive();
                assertThat(observer.tier(KvTier.SNAPSHOT) + observer.tier(KvTier.IN_PLACE))
                        .isGreaterThan(observer.tier(KvTier.PREFILL) - CONVERSATIONS);
            }
        } finally {
            engines.forEach(InferenceEngine::close);
        }
    }

    private static InferenceEngine engine(String kind, ParleyInfraExtension.TestModels models,
                                          List<InferenceEngine> opened) {
        InferenceEngine engine = switch (kind) {
            case "native" -> NativeEngine.load(NativeEngineConfig.forModel(models.tiny(), EngineExtension.libraries())
                    .withSlots(2).withContextPerSlot(1024).withThreads(1).withSnapshotBytes(SNAPSHOT_BUDGET));
            default -> throw new IllegalArgumentException(kind);
        };
        opened.add(engine);
        return engine;
    }

    private static Worker startWorker(WorkerHarness harness, String id, InferenceEngine engine,
                                      ObservingEngine.Observer observer) {
        return harness.startWorker(harness.config(id).shutdownGrace(Duration.ofMillis(50))
                .revokeGrace(Duration.ofMillis(50)).build(), new ObservingEngine(engine, observer));
    }
}
