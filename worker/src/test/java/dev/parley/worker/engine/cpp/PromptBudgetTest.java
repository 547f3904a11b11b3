package dev.parley.worker.engine.cpp;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A step's prompt tokens shared max-min fairly: short prompts are served whole, the long ones split the rest. */
class PromptBudgetTest {

    private static int[] share(int budget, int... demands) {
        int[] shares = new int[demands.length];
        int left = PromptBudget.share(budget, demands, shares, demands.length);
        int given = 0;
        for (int s : shares) {
            given += s;
        }
        assertThat(given + left).as("nothing is made up or lost").isEqualTo(budget);
        return shares;
    }

    @Test
    void aShortPromptBehindALongOneIsComputedInTheSameStep() {
        // first in line: a 5 000-token prompt; then a returning turn's 40 new tokens
        assertThat(share(256, 5_000, 40)).containsExactly(216, 40);
    }

    @Test
    void longPromptsSplitTheBudgetEvenly() {
        assertThat(share(256, 5_000, 3_000, 900, 700)).containsExactly(64, 64, 64, 64);
        assertThat(share(10, 100, 100, 100)).containsExactly(4, 3, 3);
    }

    @Test
    void whatTheShortOnesLeaveGoesToTheLongerOnes() {
        assertThat(share(256, 10, 300, 30, 1_000)).containsExactly(10, 108, 30, 108);
    }

    @Test
    void aBudgetLargerThanEveryDemandServesAllAndKeepsTheRest() {
        int[] shares = new int[2];
        assertThat(PromptBudget.share(512, new int[] {100, 50}, shares, 2)).isEqualTo(362);
        assertThat(shares).containsExactly(100, 50);
    }

    @Test
    void noBudgetOrNoPromptGivesNothing() {
        assertThat(share(0, 10, 20)).containsExactly(0, 0);
        int[] none = new int[0];
        assertThat(PromptBudget.share(256, none, none, 0)).isEqualTo(256);
    }
}
