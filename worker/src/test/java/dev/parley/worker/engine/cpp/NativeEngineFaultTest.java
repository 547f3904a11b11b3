package dev.parley.worker.engine.cpp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.schemas.ChatMessage;
import dev.parley.schemas.FinishReason;
import dev.parley.testkit.junit.ParleyInfraExtension;
import dev.parley.testkit.junit.ParleyInfraExtension.TestModels;
import dev.parley.worker.EngineExtension;
import dev.parley.worker.engine.EngineException;
import dev.parley.worker.engine.Generation;
import dev.parley.worker.engine.GenerationAbandonedException;
import dev.parley.worker.engine.GenerationRequest;
import dev.parley.worker.engine.Sampling;
import dev.parley.worker.engine.TokenListener;
import dev.parley.worker.engine.Transcript;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Faults inside the native engine, on the synthetic model: an interrupted caller gets an abandoned generation
 * (never a cancelled one), a deadline that passes while a job waits for a sequence ends it with no tokens, and an
 * Error on the engine thread kills it visibly: {@link NativeEngine#isAlive()} turns false and every caller fails
 * instead of waiting.
 */
@ExtendWith(ParleyInfraExtension.class)
class NativeEngineFaultTest {

    private static NativeEngine engine(TestModels models, int slots) {
        return NativeEngine.load(NativeEngineConfig.forModel(models.tiny(), EngineExtension.libraries())
                .withSlots(slots).withContextPerSlot(4096).withSnapshotBytes(8L << 20));
    }

    private static GenerationRequest request(String conversation, int maxTokens, Instant deadline) {
        return new GenerationRequest(conversation, new Transcript(null, List.of(), List.of(ChatMessage.user("hi"))),
                Sampling.greedy(maxTokens), deadline);
    }

    /** Waits until a job holds a sequence and the engine thread has stepped since (progress, not a fixed time). */
    private static void awaitDecoding(NativeEngine engine) throws InterruptedException {
        long quietSince = System.nanoTime();
        while (engine.busySlots() == 0) {
            assertThat(System.nanoTime() - quietSince).as("no job admitted").isLessThan(TimeUnit.SECONDS.toNanos(60));
            Thread.sleep(5);
        }
        long admitted = System.nanoTime();
        while (engine.lastProgressNanos() <= admitted) {
            Thread.sleep(5);
        }
    }

    @Test
    void anInterruptedCallerAbandonsItsGenerationInsteadOfCancellingIt(TestModels models) throws Exception {
        try (NativeEngine engine = engine(models, 1)) {
            AtomicReference<Throwable> outcome = new AtomicReference<>();
            Thread caller = new Thread(() -> {
                try {
                    Generation g = engine.generate(request("long", 3_000, null), TokenListener.NONE);
                    outcome.set(new AssertionError("finished as " + g.finishReason()));
                } catch (Throwable e) {
                    outcome.set(e);
                }
            });
            caller.start();
            awaitDecoding(engine);
            caller.interrupt();
            caller.join(30_000);
            assertThat(outcome.get()).isInstanceOf(GenerationAbandonedException.class);
            // the sequence is free again: the next conversation gets it
            assertThat(engine.generate(request("next", 3, null), TokenListener.NONE).completionTokens()).isEqualTo(3);
        }
    }

    @Test
    void aDeadlineThatPassesWhileWaitingForASequenceEndsWithNoTokens(TestModels models) throws Exception {
        MovableClock clock = new MovableClock();
        try (NativeEngine engine = NativeEngine.load(NativeEngineConfig.forModel(models.tiny(),
                EngineExtension.libraries()).withSlots(1).withContextPerSlot(4096).withSnapshotBytes(8L << 20), clock)) {
            CompletableFuture<Generation> occupying = CompletableFuture.supplyAsync(() ->
                    engine.generate(request("busy", 3_000, null), TokenListener.NONE));
            awaitDecoding(engine);
            CompletableFuture<Generation> waiting = CompletableFuture.supplyAsync(() -> engine.generate(
                    request("late", 10, clock.instant().plus(Duration.ofMinutes(1))), TokenListener.NONE));
            long quietSince = System.nanoTime();
            while (engine.waitingJobs() == 0) {
                assertThat(System.nanoTime() - quietSince).as("the late job never waited").isLessThan(
                        TimeUnit.SECONDS.toNanos(60));
                Thread.sleep(5);
            }
            clock.advance(Duration.ofMinutes(2)); // its deadline passes while it waits for the only sequence

            Generation late = waiting.join();
            assertThat(late.finishReason()).isEqualTo(FinishReason.DEADLINE);
            assertThat(late.completionTokens()).isZero();
            assertThat(late.text()).isEmpty();
            assertThat(occupying.join().completionTokens()).isEqualTo(3_000);
        }
    }

    @Test
    void anErrorOnTheEngineThreadIsVisibleAndFailsEveryCaller(TestModels models) {
        NativeEngine engine = engine(models, 2);
        try {
            assertThat(engine.isAlive()).isTrue();
            TokenListener broken = text -> {
                throw new AssertionError("a bug in a listener");
            };
            assertThatThrownBy(() -> engine.generate(request("victim", 5, null), broken))
                    .isInstanceOf(EngineException.class);
            assertThat(engine.isAlive()).isFalse();
            assertThatThrownBy(() -> engine.generate(request("after", 5, null), TokenListener.NONE))
                    .isInstanceOf(EngineException.class);
        } finally {
            engine.close();
        }
    }
}
