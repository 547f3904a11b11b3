package dev.parley.worker.engine.cpp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.schemas.ChatMessage;
import dev.parley.testkit.junit.ParleyInfraExtension;
import dev.parley.testkit.junit.ParleyInfraExtension.TestModels;
import dev.parley.worker.EngineExtension;
import dev.parley.worker.engine.Generation;
import dev.parley.worker.engine.GenerationRequest;
import dev.parley.worker.engine.Sampling;
import dev.parley.worker.engine.TokenListener;
import dev.parley.worker.engine.Transcript;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The order of a step's batch decides how many graph runs llama.cpp makes of it: with a KV cache per sequence only
 * sequences with consecutive ids share a micro-batch. The rule as {@link MicroBatches} replays it, and the engine's
 * batches on the real model: generating sequences are one micro-batch per step, whatever order they arrived in.
 */
@ExtendWith(ParleyInfraExtension.class)
class BatchOrderTest {

    @Test
    void perSequenceCachesShareAMicroBatchOnlyInConsecutiveIdOrder() {
        MicroBatches perSequence = new MicroBatches(64, 8, 512, false);
        assertThat(perSequence.count(new int[] {0, 1, 2, 3}, 4)).isEqualTo(1);
        assertThat(perSequence.count(new int[] {3, 2, 1, 0}, 4)).isEqualTo(4);
        assertThat(perSequence.count(new int[] {2, 0, 1}, 3)).isEqualTo(2);
        assertThat(perSequence.count(new int[] {0, 2}, 2)).as("an idle sequence between them").isEqualTo(2);
        // a prompt chunk's first token in the run, its rest at the end: one run of one token each, then the rest
        assertThat(perSequence.count(new int[] {0, 1, 2, 1, 1, 1}, 6)).isEqualTo(2);
        // the same chunk put whole at the end leaves a gap in the run
        assertThat(perSequence.count(new int[] {0, 2, 1, 1, 1, 1}, 6)).isEqualTo(3);
    }

    @Test
    void aUnifiedCacheCutsThePlainBatchIntoMicroBatchSizedRuns() {
        MicroBatches unified = new MicroBatches(2048, 8, 512, true);
        assertThat(unified.count(new int[] {3, 2, 1, 0}, 4)).isEqualTo(1);
        assertThat(unified.count(new int[1100], 1100)).isEqualTo(3);
    }

    @Test
    void generatingSequencesAreOneMicroBatchPerStep(TestModels models) throws Exception {
        int conversations = 4;
        int tokens = 32;
        try (NativeEngine engine = NativeEngine.load(NativeEngineConfig.forModel(models.real(),
                EngineExtension.libraries()).withSlots(conversations).withContextPerSlot(512)
                .withIgnoreEndOfGeneration(true))) {
            StepProfile.Totals before = engine.stepProfile();
            ExecutorService threads = Executors.newFixedThreadPool(conversations);
            try {
                List<Future<Generation>> answers = new ArrayList<>();
                for (int c = 0; c < conversations; c++) {
                    String id = "order-" + c;
                    Transcript transcript = new Transcript(null, List.of(),
                            List.of(ChatMessage.user("Count from " + c + " onwards.")));
                    answers.add(threads.submit(() -> engine.generate(new GenerationRequest(id, transcript,
                            Sampling.greedy(tokens), null), TokenListener.NONE)));
                }
                for (Future<Generation> answer : answers) {
                    assertThat(answer.get().completionTokens()).isEqualTo(tokens);
                }
            } finally {
                threads.shutdownNow();
            }
            StepProfile.Totals steps = engine.stepProfile().since(before);
            assertThat(steps.steps()).as("%s", steps.line()).isGreaterThanOrEqualTo(tokens);
            // Arrival order (the newest first) made each decode step four micro-batches. In sequence order only a
            // step with a prompt chunk adds one, for the chunk's rest: at most one per conversation.
            assertThat(steps.microBatches()).as("%s", steps.line())
                    .isLessThanOrEqualTo(steps.steps() + conversations);
        }
    }

    /**
     * Conversations a, b and c take sequences 0, 1 and 2; then a and c generate while b waits between them. Padded,
     * each step is one graph run and b's cells are as they were (its next turn reuses them in place and answers as
     * without padding); unpadded, the gap splits the steps.
     */
    @Test
    void anIdleSequenceBetweenGeneratingOnesIsPaddedIntoOneRun(TestModels models) throws Exception {
        Gap padded = gapRun(models, GapPadding.ON);
        Gap unpadded = gapRun(models, GapPadding.OFF);
        assertThat(padded.answers()).isEqualTo(unpadded.answers());
        assertThat(padded.bCached()).as("b's next turn reused its cells in place").isPositive()
                .isEqualTo(unpadded.bCached());
        assertThat(unpadded.steps().padding()).isZero();
        assertThat(padded.steps().padding()).as("%s", padded.steps().line()).isPositive();
        // a's and c's prompt chunks each add a run for their rest; every other step is one run padded, two unpadded
        assertThat(padded.steps().microBatches()).as("%s", padded.steps().line())
                .isLessThanOrEqualTo(padded.steps().steps() + 2);
        assertThat(unpadded.steps().microBatches()).as("%s", unpadded.steps().line())
                .isGreaterThan(padded.steps().microBatches());
    }

    private record Gap(List<String> answers, int bCached, StepProfile.Totals steps) {
    }

    private static Gap gapRun(TestModels models, GapPadding padding) throws Exception {
        try (NativeEngine engine = NativeEngine.load(NativeEngineConfig.forModel(models.real(),
                EngineExtension.libraries()).withSlots(3).withContextPerSlot(512).withSnapshotBytes(0)
                .withIgnoreEndOfGeneration(true).withGapPadding(padding))) {
            List<String> answers = new ArrayList<>();
            for (String id : List.of("a", "b", "c")) { // one after the other: sequences 0, 1, 2
                answers.add(turn(engine, id, List.of(ChatMessage.user("Name a fruit, " + id + ".")), 8).text());
            }
            StepProfile.Totals before = engine.stepProfile();
            ExecutorService threads = Executors.newFixedThreadPool(2);
            try {
                List<Future<Generation>> both = new ArrayList<>();
                for (String id : List.of("a", "c")) {
                    both.add(threads.submit(() -> turn(engine, id, secondTurn(answers, id), 24)));
                }
                for (Future<Generation> answer : both) {
                    answers.add(answer.get().text());
                }
            } finally {
                threads.shutdownNow();
            }
            StepProfile.Totals steps = engine.stepProfile().since(before);
            Generation b = turn(engine, "b", secondTurn(answers, "b"), 16);
            answers.add(b.text());
            return new Gap(answers, b.cachedTokens(), steps);
        }
    }

    private static List<ChatMessage> secondTurn(List<String> firstAnswers, String id) {
        int index = List.of("a", "b", "c").indexOf(id);
        return List.of(ChatMessage.user("Name a fruit, " + id + "."), ChatMessage.assistant(firstAnswers.get(index)),
                ChatMessage.user("And a colour?"));
    }

    private static Generation turn(NativeEngine engine, String id, List<ChatMessage> messages, int tokens) {
        return engine.generate(new GenerationRequest("gap-" + id, new Transcript(null, List.of(), messages),
                Sampling.greedy(tokens), null), TokenListener.NONE);
    }
}
