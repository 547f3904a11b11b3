package dev.parley.bench.warm;

import dev.parley.schemas.Reply;

/**
 * One answered turn as its reply reports it.
 *
 * One reading for every engine, so the report compares like with like:
 *
 * @param queuedMs       from the engine taking the prompt to a slot starting it
 * @param firstTokenMs   from the slot starting it to its first token: restoring or computing the context included
 *                       (llama-server's {@code timings.prompt_ms})
 * @param totalMs        from the engine taking the prompt to the answer being complete
 * @param endToEndMs     from the client sending it to the reply arriving
 */
record WarmSample(int conversation, int turn, int promptTokens, int cachedTokens, int restoredTokens,
                  int completionTokens, long queuedMs, long firstTokenMs, long totalMs, double endToEndMs) {

    static WarmSample of(int conversation, int turn, Reply reply, long sentNanos) {
        if (!reply.isOk()) {
            throw new IllegalStateException("benchmark turn failed: " + reply.error());
        }
        return new WarmSample(conversation, turn, reply.usage().promptTokens(), reply.usage().cachedTokens(),
                reply.usage().restoredTokens(), reply.usage().completionTokens(), reply.timings().queuedMs(),
                reply.timings().firstTokenMs(), reply.timings().totalMs(), (System.nanoTime() - sentNanos) / 1e6);
    }

    /**
     * Time to first token as the client sees it, queueing included: the reply's arrival less the time the engine
     * spent generating after the first token.
     */
    double clientFirstTokenMs() {
        return Math.max(0, endToEndMs - (totalMs - queuedMs - firstTokenMs));
    }

    /** A turn after the conversation's first: its earlier context is somewhere, or must be computed again. */
    boolean returning() {
        return turn > 0;
    }

    /**
     * Where this turn's earlier context came from: a snapshot when tokens were restored, in place when most of the
     * prompt was still in the slot, else computed. (Any engine reuses the system prompt of whichever conversation
     * had the slot before, so "some tokens cached" alone does not make a turn warm.)
     */
    String tier() {
        if (restoredTokens > 0) {
            return "snapshot";
        }
        return cachedTokens * 2 >= promptTokens ? "in_place" : "prefill";
    }

    int computedTokens() {
        return promptTokens - cachedTokens;
    }
}
