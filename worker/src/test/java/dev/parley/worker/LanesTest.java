package dev.parley.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.parley.client.ParleyClient;
import dev.parley.client.SendOptions;
import dev.parley.schemas.GenerationParams;
import dev.parley.schemas.Priority;
import dev.parley.schemas.Reply;
import dev.parley.testkit.ParleyInfra;
import dev.parley.testkit.junit.ParleyInfraExtension;
import dev.parley.testkit.junit.ParleyInfraExtension.TestModels;
import dev.parley.worker.dispatch.LanePolicy;
import dev.parley.worker.engine.cpp.NativeEngine;
import dev.parley.worker.engine.cpp.NativeEngineConfig;
import dev.parley.worker.engine.cpp.NativeLanes;
import dev.parley.worker.metrics.ParleyMeter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Priority lanes through a real broker, Redis and SmolLM2 on the native engine with one slot: a batch flood is
 * queued, then an interactive prompt arrives and is answered long before the flood is, with preemption (the running
 * batch turn is paused) and without (it waits only for the running one). Answers are fixed-length (end of generation
 * ignored) so every batch turn takes the same work.
 */
@ExtendWith(ParleyInfraExtension.class)
class LanesTest {

    private static final int BATCH_TURNS = 4;
    /**
     * Long enough that the running batch turn is still generating when the interactive prompt has come through Kafka,
     * on a fast machine too (32 tokens were done before it arrived on an idle one): the work scales with the machine,
     * the Kafka hop barely does.
     */
    private static final int BATCH_TOKENS = 192;
    private static final SendOptions BATCH = SendOptions.builder().priority(Priority.BATCH)
            .params(GenerationParams.DEFAULTS.withMaxTokens(BATCH_TOKENS).withTemperature(0)).build();
    private static final SendOptions INTERACTIVE = SendOptions.builder()
            .params(GenerationParams.DEFAULTS.withMaxTokens(8).withTemperature(0)).build();

    /**
     * Aging far beyond the test's length: on a loaded machine one batch turn may take longer than the default 30 s,
     * and the aged batch lane would then rightly go first (LaneDispatchTest covers aging with a settable clock).
     */
    private static final Duration NO_AGING = Duration.ofHours(1);
    private static final NativeLanes PREEMPTING = new NativeLanes(NO_AGING, NativeLanes.DEFAULT_MAX_PREEMPTIONS,
            NativeLanes.DEFAULT_MIN_TOKENS_BETWEEN);

    private static NativeEngine oneSlot(TestModels models, NativeLanes lanes) {
        return NativeEngine.load(NativeEngineConfig.forModel(models.real(), EngineExtension.libraries())
                .withSlots(1).withContextPerSlot(1024).withIgnoreEndOfGeneration(true), lanes);
    }

    @Test
    void anInteractiveTurnOvertakesABatchFloodAndPausesTheRunningBatchTurn(ParleyInfra infra, TestModels models)
            throws Exception {
        try (NativeEngine engine = oneSlot(models, PREEMPTING);
             WorkerHarness harness = new WorkerHarness(infra, 2)) {
            int batchDoneFirst = interactiveOvertakes(harness, engine);

            assertThat(batchDoneFirst).as("batch replies before the interactive one").isZero();
            assertThat(harness.registry.get(ParleyMeter.PREEMPTIONS.meterName()).functionCounter().count())
                    .isGreaterThanOrEqualTo(1);
        }
    }

    @Test
    void withoutPreemptionAnInteractiveTurnStillGoesAheadOfTheQueuedBatchTurns(ParleyInfra infra, TestModels models)
            throws Exception {
        try (NativeEngine engine = oneSlot(models, PREEMPTING.withoutPreemption());
             WorkerHarness harness = new WorkerHarness(infra, 2)) {
            int batchDoneFirst = interactiveOvertakes(harness, engine);

            assertThat(batchDoneFirst).as("only the batch turn already running finished first").isLessThanOrEqualTo(1);
            assertThat(harness.registry.get(ParleyMeter.PREEMPTIONS.meterName()).functionCounter().count()).isZero();
        }
    }

    /**
     * Queues the batch flood, sends one interactive prompt once a batch turn runs, and returns how many batch
     * replies came in between.
     */
    private static int interactiveOvertakes(WorkerHarness harness, NativeEngine engine) throws Exception {
        harness.startWorker(harness.config("lanes-worker").lanes(new LanePolicy(NO_AGING, 0)).build(), engine);
        // Replies are awaited by progress (Progress), not by a wall-clock bound: a loaded machine may be very slow.
        ParleyClient client = ParleyClient.builder().bootstrapServers(harness.infra.bootstrapServers())
                .promptsTopic(harness.promptsTopic()).repliesTopic(harness.repliesTopic())
                .replyTimeout(Duration.ofHours(1)).build();
        List<CompletableFuture<Reply>> batch = new ArrayList<>();
        for (int i = 0; i < BATCH_TURNS; i++) {
            batch.add(client.send(harness.prefix + "-batch-" + i, "Write a story about the sea.", BATCH));
        }
        await().atMost(Duration.ofMinutes(2)).until(() -> engine.busySlots() == 1);
        long doneBefore = batch.stream().filter(CompletableFuture::isDone).count();

        Reply interactive = Progress.awaitAll(List.of(client.send(harness.prefix + "-chat", "Say hello.", INTERACTIVE)),
                Duration.ofMinutes(5), () -> "the interactive reply").get(0);
        int batchDoneFirst = (int) (batch.stream().filter(CompletableFuture::isDone).count() - doneBefore);
        assertThat(doneBefore).as("the flood is still queued").isLessThan(BATCH_TURNS - 2);

        assertThat(interactive.isOk()).as("%s", interactive).isTrue();
        assertThat(interactive.usage().completionTokens()).isEqualTo(8);
        List<Reply> batchReplies = Progress.awaitAll(batch, Duration.ofMinutes(5), () -> "batch replies");
        client.close();
        assertThat(batchReplies).allSatisfy(reply -> {
            assertThat(reply.isOk()).as("%s", reply).isTrue();
            assertThat(reply.usage().completionTokens()).isEqualTo(BATCH_TOKENS);
        });
        // every batch conversation answered the same prompt, greedily: a paused one gave the same answer
        assertThat(batchReplies.stream().map(Reply::content).distinct()).hasSize(1);
        return batchDoneFirst;
    }
}
