package dev.parley.worker.engine.cpp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.schemas.ChatMessage;
import dev.parley.testkit.junit.ParleyInfraExtension;
import dev.parley.testkit.junit.ParleyInfraExtension.TestModels;
import dev.parley.worker.EngineExtension;
import dev.parley.worker.engine.Generation;
import dev.parley.worker.engine.GenerationRequest;
import dev.parley.worker.engine.Sampling;
import dev.parley.worker.engine.Transcript;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The step profile counts a step before anyone hears of what the step decided: a turn's text, and its end, reach
 * their listener (and wake its caller) only once the step that produced them is in the totals. CI once read a
 * profile without its last step, when the CPU path handed the step's outcomes over before recording it; this test
 * failed then at its first text, every time.
 */
@ExtendWith(ParleyInfraExtension.class)
class StepProfileTest {

    @Test
    void everyTextThatReachesItsListenerComesFromAStepAlreadyCounted(TestModels models) {
        int answerTokens = 8;
        try (NativeEngine engine = NativeEngine.load(NativeEngineConfig.forModel(models.real(),
                EngineExtension.libraries()).withSlots(1).withContextPerSlot(512).withIgnoreEndOfGeneration(true))) {
            StepProfile.Totals before = engine.stepProfile();
            List<StepProfile.Totals> atEachText = new ArrayList<>();
            Transcript transcript = new Transcript(null, List.of(), List.of(ChatMessage.user("Count to ten.")));
            Generation answer = engine.generate(new GenerationRequest("counted", transcript,
                    Sampling.greedy(answerTokens), null), delta -> atEachText.add(engine.stepProfile().since(before)));
            StepProfile.Totals after = engine.stepProfile().since(before);

            assertThat(atEachText).isNotEmpty();
            // The first text comes from the token the prompt's last step sampled: that step is counted already.
            assertThat(atEachText.get(0).steps()).isPositive();
            assertThat(atEachText.get(0).tokens()).isGreaterThanOrEqualTo(answer.promptTokens());
            // Whole: the prompt once and each answer token but the last fed back, all counted when the turn ends.
            assertThat(after.tokens()).isEqualTo(answer.promptTokens() + answer.completionTokens() - 1);
            // One step per answer token after the first, each a single generated token; the prompt's steps apart.
            assertThat(after.decodeOnlySteps()).isEqualTo(answer.completionTokens() - 1);
            assertThat(after.steps() - after.decodeOnlySteps()).isPositive();
            assertThat(after.decodeOnlyNanos()).isPositive().isLessThan(after.stepNanos());
        }
    }
}
