package dev.parley.bench.warm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How the warm benchmark classifies and sums turns; the numbers themselves come from real runs. */
class WarmResultTest {

    private static WarmSample turn(int turn, int prompt, int cached, int restored) {
        return new WarmSample(0, turn, prompt, cached, restored, 10, 5, 100, 1105, 1200);
    }

    @Test
    void aTurnIsInPlaceOnlyWhenMostOfItsPromptWasStillInItsSlot() {
        assertThat(turn(1, 1000, 900, 0).tier()).isEqualTo("in_place");
        // another conversation's system prompt left in the slot does not make a turn warm
        assertThat(turn(1, 1000, 40, 0).tier()).isEqualTo("prefill");
        assertThat(turn(1, 1000, 900, 900).tier()).isEqualTo("snapshot");
        assertThat(turn(1, 1000, 500, 0).tier()).isEqualTo("in_place");
        assertThat(turn(1, 1000, 499, 0).tier()).isEqualTo("prefill");
    }

    @Test
    void onlyReturningTurnsCountTowardsTiersAndPromptTokens() {
        WarmResult result = new WarmResult("native", 2, List.of(turn(0, 200, 0, 0), turn(1, 400, 399, 399),
                turn(2, 600, 10, 0)), 10, 2, 0, 0, Map.of());

        assertThat(result.returningTurns("snapshot")).isEqualTo(1);
        assertThat(result.returningTurns("prefill")).isEqualTo(1);
        assertThat(result.promptTokens(WarmSample::restoredTokens)).isEqualTo(399);
        assertThat(result.promptTokens(WarmSample::computedTokens)).isEqualTo(1 + 590);
        assertThat(result.tokensPerSecond()).isEqualTo(3.0);
        // (10 - 1) tokens over 1105 - 5 - 100 = 1000 ms of decoding
        assertThat(result.medianDecodeRate()).isEqualTo(9.0);

        WarmResult mixed = new WarmResult("java", 2, List.of(
                new WarmSample(0, 0, 100, 0, 0, 10, 0, 100, 400, 500),   // 9 tokens in 300 ms: 30/s
                new WarmSample(1, 0, 100, 0, 0, 10, 0, 100, 1000, 1100), // 9 tokens in 900 ms: 10/s
                new WarmSample(2, 0, 100, 0, 0, 10, 0, 100, 1900, 2000), // 9 tokens in 1800 ms: 5/s
                new WarmSample(3, 0, 100, 0, 0, 1, 0, 100, 100, 200)),   // one token: no decode rate
                10, 2, 0, 0, Map.of());
        assertThat(mixed.medianDecodeRate()).isEqualTo(10.0);
    }
}
