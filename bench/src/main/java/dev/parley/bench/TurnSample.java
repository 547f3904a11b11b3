package dev.parley.bench;

/**
 * One measured turn.
 *
 * @param cachedTokens -1 where the mode cannot know it (java-llama.cpp's public API does not report it)
 */
record TurnSample(String mode, int conversation, int turn, int promptTokens, int cachedTokens, int completionTokens,
                  double firstTokenMs, double totalMs) {
}
