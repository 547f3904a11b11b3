package dev.parley.bench.lanes;

/**
 * What one mode of the lanes benchmark sends.
 *
 * @param batch          batch prompts published at once before the interactive ones
 * @param interactive    interactive prompts, each a new conversation
 * @param intervalMillis between interactive prompts (open loop: they do not wait for each other)
 * @param maxTokens      tokens of every answer
 */
record LanesWorkload(int batch, int interactive, long intervalMillis, int maxTokens) {

    LanesWorkload {
        if (batch < 0 || interactive < 1 || intervalMillis < 0 || maxTokens < 1) {
            throw new IllegalArgumentException("--batch >= 0, --interactive >= 1, --interval-ms >= 0, --max-tokens >= 1");
        }
    }
}
