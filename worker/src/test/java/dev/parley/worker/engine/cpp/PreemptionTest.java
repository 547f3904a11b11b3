package dev.parley.worker.engine.cpp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.schemas.ChatMessage;
import dev.parley.schemas.FinishReason;
import dev.parley.schemas.Priority;
import dev.parley.testkit.junit.ParleyInfraExtension;
import dev.parley.testkit.junit.ParleyInfraExtension.TestModels;
import dev.parley.worker.EngineExtension;
import dev.parley.worker.engine.Generation;
import dev.parley.worker.engine.GenerationRequest;
import dev.parley.worker.engine.Sampling;
import dev.parley.worker.engine.TokenListener;
import dev.parley.worker.engine.Transcript;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Preemption on the real model, with one sequence: a batch generation is running when an interactive one arrives;
 * the batch one is paused into host RAM, the interactive one runs, and the batch one resumes with the answer it would
 * have given uninterrupted. End of generation is ignored so the batch answer is long enough to be caught mid-way.
 */
@ExtendWith(ParleyInfraExtension.class)
class PreemptionTest {

    private static final int BATCH_TOKENS = 64;
    private static final Sampling BATCH_GREEDY = Sampling.greedy(BATCH_TOKENS);
    private static final Sampling BATCH_SEEDED = new Sampling(BATCH_TOKENS, 0.7, null, null, 42L, List.of());
    private static final Sampling SHORT = Sampling.greedy(8);
    /** Deltas of the batch answer streamed before the interactive request is sent. */
    private static final int DELTAS_BEFORE_INTERRUPTING = 4;

    private static NativeEngine oneSequence(TestModels models, NativeLanes lanes) {
        return NativeEngine.load(NativeEngineConfig.forModel(models.real(), EngineExtension.libraries())
                .withSlots(1).withContextPerSlot(1024).withIgnoreEndOfGeneration(true), lanes);
    }

    private static GenerationRequest request(String conversation, String message, Sampling sampling,
                                             Priority priority) {
        return new GenerationRequest(conversation, new Transcript("You are a concise assistant.", List.of(),
                List.of(ChatMessage.user(message))), sampling, null, null, priority);
    }

    private static GenerationRequest batch(String conversation, Sampling sampling) {
        return request(conversation, "Write a long story about a lighthouse keeper.", sampling, Priority.BATCH);
    }

    /** A batch generation in the background, with what it streamed and when it ended among the others. */
    private static final class Background {
        final StringBuilder streamed = new StringBuilder();
        final CountDownLatch underway = new CountDownLatch(1);
        final CompletableFuture<Generation> result;
        volatile int endedAs;

        Background(NativeEngine engine, GenerationRequest request, AtomicInteger endings) {
            AtomicInteger deltas = new AtomicInteger();
            TokenListener listener = delta -> {
                streamed.append(delta); // engine thread only
                if (deltas.incrementAndGet() == DELTAS_BEFORE_INTERRUPTING) {
                    underway.countDown();
                }
            };
            result = CompletableFuture.supplyAsync(() -> {
                Generation generation = engine.generate(request, listener);
                endedAs = endings.incrementAndGet();
                return generation;
            });
        }

        void awaitUnderway() throws InterruptedException {
            assertThat(underway.await(5, TimeUnit.MINUTES)).as("the batch answer started streaming").isTrue();
        }
    }

    @Test
    void aPausedGreedyBatchGenerationGivesTheSameAnswerAsAnUninterruptedOne(TestModels models) throws Exception {
        assertPausedGenerationIsUnchanged(models, BATCH_GREEDY);
    }

    @Test
    void aPausedSeededBatchGenerationKeepsItsSamplerAndGivesTheSameAnswer(TestModels models) throws Exception {
        assertPausedGenerationIsUnchanged(models, BATCH_SEEDED);
    }

    private void assertPausedGenerationIsUnchanged(TestModels models, Sampling sampling) throws Exception {
        try (NativeEngine engine = oneSequence(models, NativeLanes.DEFAULT)) {
            Generation uninterrupted = engine.generate(batch("reference", sampling), TokenListener.NONE);
            assertThat(engine.preemptions()).isZero();

            AtomicInteger endings = new AtomicInteger();
            Background paused = new Background(engine, batch("paused", sampling), endings);
            paused.awaitUnderway();
            Generation interactive = engine.generate(request("chat", "Say hello.", SHORT, Priority.INTERACTIVE),
                    TokenListener.NONE);
            int interactiveEndedAs = endings.incrementAndGet();
            Generation resumed = paused.result.get(5, TimeUnit.MINUTES);

            assertThat(engine.preemptions()).as("the batch generation was paused once").isEqualTo(1);
            assertThat(interactiveEndedAs).as("the interactive answer came first").isLessThan(paused.endedAs);
            assertThat(interactive.completionTokens()).isEqualTo(SHORT.maxTokens());
            assertThat(resumed.finishReason()).isEqualTo(FinishReason.LENGTH);
            assertThat(resumed.completionTokens()).isEqualTo(uninterrupted.completionTokens()).isEqualTo(BATCH_TOKENS);
            assertThat(resumed.text()).isEqualTo(uninterrupted.text()).isNotBlank();
            assertThat(paused.streamed.toString()).as("the stream went on where it stopped").isEqualTo(resumed.text());
            assertThat(resumed.promptTokens()).isEqualTo(uninterrupted.promptTokens());
        }
    }

    @Test
    void aBatchGenerationIsPausedNoMoreThanItsBound(TestModels models) throws Exception {
        NativeLanes oncePerTurn = new NativeLanes(Duration.ofMinutes(10), 1, 0);
        try (NativeEngine engine = oneSequence(models, oncePerTurn)) {
            AtomicInteger endings = new AtomicInteger();
            Background batch = new Background(engine, batch("bounded", BATCH_GREEDY), endings);
            batch.awaitUnderway();

            engine.generate(request("first", "Say hello.", SHORT, Priority.INTERACTIVE), TokenListener.NONE);
            assertThat(engine.preemptions()).isEqualTo(1);
            CompletableFuture<Integer> second = CompletableFuture.supplyAsync(() -> {
                engine.generate(request("second", "Say goodbye.", SHORT, Priority.INTERACTIVE), TokenListener.NONE);
                return endings.incrementAndGet();
            });
            Generation done = batch.result.get(5, TimeUnit.MINUTES);

            assertThat(second.get(5, TimeUnit.MINUTES)).as("the second interactive turn waited for the batch one")
                    .isGreaterThan(batch.endedAs);
            assertThat(engine.preemptions()).isEqualTo(1);
            assertThat(done.completionTokens()).isEqualTo(BATCH_TOKENS);
        }
    }

    @Test
    void withPreemptionOffAnInteractiveGenerationWaitsForTheBatchOne(TestModels models) throws Exception {
        try (NativeEngine engine = oneSequence(models, NativeLanes.DEFAULT.withoutPreemption())) {
            AtomicInteger endings = new AtomicInteger();
            Background batch = new Background(engine, batch("unpaused", BATCH_GREEDY), endings);
            batch.awaitUnderway();

            engine.generate(request("chat", "Say hello.", SHORT, Priority.INTERACTIVE), TokenListener.NONE);
            int interactiveEndedAs = endings.incrementAndGet();

            assertThat(interactiveEndedAs).isGreaterThan(batch.result.get(5, TimeUnit.MINUTES) != null ? batch.endedAs : 0);
            assertThat(engine.preemptions()).isZero();
            assertThat(engine.preempts()).isFalse();
        }
    }
}
