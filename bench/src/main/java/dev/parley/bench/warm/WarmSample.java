package dev.parley.bench.warm;

import dev.parley.schemas.Reply;

/**
 * One answered turn as its reply reports it.
 *
 * @param queuedMs       from the worker reading the prompt to a slot starting it
 * @param firstTokenMs   from the slot starting it to its first token: restoring or computing the context included
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
