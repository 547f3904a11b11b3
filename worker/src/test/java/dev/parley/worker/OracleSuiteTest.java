package dev.parley.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.client.ParleyClient;
import dev.parley.client.SendOptions;
import dev.parley.schemas.GenerationParams;
import dev.parley.schemas.Reply;
import dev.parley.testkit.ParleyInfra;
import dev.parley.testkit.junit.ParleyInfraExtension;
import dev.parley.worker.engine.llama.LlamaCppEngine;
import dev.parley.worker.engine.llama.LlamaEngineConfig;
import dev.parley.worker.history.HistoryEntry;
import dev.parley.worker.metrics.ParleyMeter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * In the spirit of decaton's processor test suite: many conversations through several workers, one worker stopped
 * and another started part-way, then oracles on what every party saw. Turns of a conversation are published all at
 * once, so their order is the workers' doing, not the client's.
 */
@ExtendWith({ParleyInfraExtension.class})
class OracleSuiteTest {

    private static final Logger log = LoggerFactory.getLogger(OracleSuiteTest.class);
    private static final int CONVERSATIONS = 60;
    private static final int TURNS = 5;

    @Test
    void everyTurnAnsweredOnceInOrderAcrossAWorkerChange(ParleyInfra infra, ParleyInfraExtension.TestModels models)
            throws Exception {
        ObservingEngine.Observer observer = new ObservingEngine.Observer();
        try (WorkerHarness harness = new WorkerHarness(infra, 6)) {
            List<Worker> workers = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                workers.add(startWorker(harness, "oracle-" + i, models, observer));
            }
            ParleyClient client = harness.client();
            Map<String, List<Integer>> arrivalOrder = new ConcurrentHashMap<>();
            List<CompletableFuture<Reply>> futures = new CopyOnWriteArrayList<>();
            AtomicInteger answered = new AtomicInteger();
            GenerationParams params = GenerationParams.DEFAULTS.withMaxTokens(6);

            for (int c = 0; c < CONVERSATIONS; c++) {
                String conversation = harness.prefix + "-c" + c;
                for (int t = 0; t < TURNS; t++) {
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
                Thread.onSpinWait();
            }
            log.info("Replacing a worker after {} replies", answered.get());
            workers.get(0).close();
            workers.add(startWorker(harness, "oracle-3", models, observer));

            List<Reply> replies = futures.stream().map(CompletableFuture::join).toList();

            // Every request answered, as the client sees it.
            assertThat(replies).hasSize(CONVERSATIONS * TURNS).allMatch(Reply::isOk);
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
        }
    }

    private static Worker startWorker(WorkerHarness harness, String id, ParleyInfraExtension.TestModels models,
                                      ObservingEngine.Observer observer) {
        LlamaCppEngine engine = LlamaCppEngine.load(LlamaEngineConfig.forModel(models.tiny()).withSlots(4)
                .withContextPerSlot(1024).withThreads(1));
        return harness.startWorker(harness.config(id).shutdownGrace(Duration.ofMillis(50))
                .revokeGrace(Duration.ofMillis(50)).build(), new ObservingEngine(engine, observer));
    }
}
