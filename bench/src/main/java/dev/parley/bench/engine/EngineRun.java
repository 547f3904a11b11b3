package dev.parley.bench.engine;

import dev.parley.bench.Stats;
import dev.parley.worker.engine.Generation;
import java.util.List;
import java.util.Locale;

/**
 * One concurrency level's result.
 *
 * @param conversations conversations at once
 * @param generations   every turn's generation
 * @param wallNanos     from the first prompt to the last answer
 */
record EngineRun(int conversations, List<Generation> generations, long wallNanos, long evictions) {

    double aggregateTokensPerSecond() {
        return generations.stream().mapToLong(Generation::completionTokens).sum() / (wallNanos / 1e9);
    }

    /** Decode speed one conversation sees: tokens after the first over the time after the first. */
    double perSequenceTokensPerSecond() {
        return generations.stream().filter(g -> g.completionTokens() > 1 && g.totalNanos() > g.firstTokenNanos())
                .mapToDouble(g -> (g.completionTokens() - 1) / ((g.totalNanos() - g.firstTokenNanos()) / 1e9))
                .average().orElse(Double.NaN);
    }

    /** Prompt tokens computed (not taken from the cache) per second of time to first token, summed over turns. */
    double promptTokensPerSecond() {
        double seconds = generations.stream().mapToLong(Generation::firstTokenNanos).sum() / 1e9;
        return generations.stream().mapToLong(Generation::computedTokens).sum() / seconds;
    }

    double ttftMillis(double percentile) {
        return Stats.percentile(generations.stream().mapToDouble(g -> g.firstTokenNanos() / 1e6).toArray(), percentile);
    }

    /** Time to first token of turns after a conversation's first (the cached, returning turns). */
    double returningTtftMillis(double percentile, int turnsPerConversation) {
        // generations are in conversation order, turnsPerConversation each
        double[] values = java.util.stream.IntStream.range(0, generations.size())
                .filter(i -> i % turnsPerConversation != 0)
                .mapToDouble(i -> generations.get(i).firstTokenNanos() / 1e6).toArray();
        return Stats.percentile(values, percentile);
    }

    String line() {
        return String.format(Locale.ROOT, "N=%3d  aggregate %8.1f tok/s  per sequence %7.1f tok/s  prompt %8.1f tok/s  "
                        + "TTFT p50 %7.1f ms  p95 %7.1f ms  (%d turns, %.1f s)", conversations,
                aggregateTokensPerSecond(), perSequenceTokensPerSecond(), promptTokensPerSecond(), ttftMillis(50),
                ttftMillis(95), generations.size(), wallNanos / 1e9);
    }

    static String markdown(String model, String libraries, int slots, int contextPerSlot, int batch, int microBatch,
                           String cacheType, int turns, int tokens, int promptChars, double loadSeconds,
                           List<EngineRun> runs) {
        StringBuilder md = new StringBuilder();
        md.append("# parley bench engine\n\n")
                .append(String.format(Locale.ROOT, "Model `%s`, llama.cpp from `%s`, %d slots x %d tokens, n_batch %d, "
                                + "n_ubatch %d, KV %s; %d turns per conversation, %d tokens per answer (end of generation "
                                + "ignored), %d-character user messages; loaded in %.1f s.%n%n", model, libraries, slots,
                        contextPerSlot, batch, microBatch, cacheType, turns, tokens, promptChars, loadSeconds))
                .append("| conversations | aggregate decode tok/s | per-sequence tok/s | prompt tok/s | TTFT p50 ms "
                        + "| TTFT p95 ms | returning-turn TTFT p50 ms | p95 ms | evictions | turns | wall s |\n")
                .append("|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (EngineRun run : runs) {
            md.append(String.format(Locale.ROOT, "| %d | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %d | %d | %.1f |%n",
                    run.conversations, run.aggregateTokensPerSecond(), run.perSequenceTokensPerSecond(),
                    run.promptTokensPerSecond(), run.ttftMillis(50), run.ttftMillis(95),
                    run.returningTtftMillis(50, turns), run.returningTtftMillis(95, turns), run.evictions,
                    run.generations.size(),
                    run.wallNanos / 1e9));
        }
        return md.toString();
    }
}
