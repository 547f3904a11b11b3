package dev.parley.worker.engine.cpp;

/**
 * Shares one step's prompt tokens among the turns that still have prompt to compute, as a server does: each gets an
 * equal share, and what a short prompt does not need goes to the longer ones (max-min fair). A turn returning with
 * 40 new tokens is therefore computed in the step it starts, beside a 5 000-token prompt, instead of waiting the
 * twenty steps that prompt takes when the budget goes to the first prompt in line.
 */
final class PromptBudget {

    private PromptBudget() {
    }

    /**
     * Writes into {@code shares} each demand's share of {@code budget}, and returns what is left.
     *
     * @param demands prompt tokens each turn could compute this step (up to its next stop), all {@code > 0}
     * @param count   how many of {@code demands} (and {@code shares}) are in use
     */
    static int share(int budget, int[] demands, int[] shares, int count) {
        for (int i = 0; i < count; i++) {
            shares[i] = 0;
        }
        int unserved = count;
        // Water-filling: each round gives every unserved demand an equal share; a demand that fits is served whole
        // and leaves the rest of its share for the others. A round that serves none spends at least
        // unserved x share tokens, so a few rounds spend any budget (the last ones a token each).
        while (unserved > 0 && budget > 0) {
            int share = Math.max(1, budget / unserved);
            int servedThisRound = 0;
            for (int i = 0; i < count && budget > 0; i++) {
                int want = demands[i] - shares[i];
                if (want == 0) {
                    continue;
                }
                int given = Math.min(Math.min(want, share), budget);
                shares[i] += given;
                budget -= given;
                if (given == want) {
                    servedThisRound++;
                }
            }
            unserved -= servedThisRound;
        }
        return budget;
    }
}
