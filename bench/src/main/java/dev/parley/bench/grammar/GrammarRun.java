package dev.parley.bench.grammar;

import dev.parley.bench.Stats;
import dev.parley.worker.engine.Generation;
import java.util.List;
import java.util.Locale;

/**
 * One mode's run in one round.
 *
 * @param valid answers that have the mode's shape (all of them for text)
 */
record GrammarRun(Mode mode, int round, List<Generation> generations, int valid, long wallNanos) {

    long completionTokens() {
        return generations.stream().mapToLong(Generation::completionTokens).sum();
    }

    /** Tokens generated per second of the run, prompts included. */
    double aggregateTokensPerSecond() {
        return completionTokens() / (wallNanos / 1e9);
    }

    /** Decode speed one conversation sees: tokens after the first over the time after the first. */
    double perSequenceTokensPerSecond() {
        return generations.stream().filter(g -> g.completionTokens() > 1 && g.totalNanos() > g.firstTokenNanos())
                .mapToDouble(g -> (g.completionTokens() - 1) / ((g.totalNanos() - g.firstTokenNanos()) / 1e9))
                .average().orElse(Double.NaN);
    }

    double firstTokenMillis(double percentile) {
        return Stats.percentile(generations.stream().mapToDouble(g -> g.firstTokenNanos() / 1e6).toArray(), percentile);
    }

    String line(GrammarRun baseline) {
        return String.format(Locale.ROOT, "round %d %-11s aggregate %7.1f tok/s (x%.2f)  per sequence %6.1f tok/s "
                        + "(x%.2f)  TTFT p50 %6.1f ms  %d answers, %d valid, %d tokens, %.1f s", round, mode.label(),
                aggregateTokensPerSecond(), aggregateTokensPerSecond() / baseline.aggregateTokensPerSecond(),
                perSequenceTokensPerSecond(), perSequenceTokensPerSecond() / baseline.perSequenceTokensPerSecond(),
                firstTokenMillis(50), generations.size(), valid, completionTokens(), wallNanos / 1e9);
    }

    static String markdown(String model, int conversations, int requests, int maxTokens, double temperature,
                           List<GrammarRun> runs) {
        StringBuilder md = new StringBuilder("# parley bench grammar\n\n").append(String.format(Locale.ROOT,
                "Model `%s`, native engine in-process, %d conversations at once (= slots), %d requests each per mode "
                        + "and round, max %d tokens, temperature %.2f, %d cores. Ratios are against the text run "
                        + "of the same round.%n%n", model, conversations, requests, maxTokens, temperature,
                Runtime.getRuntime().availableProcessors()))
                .append("| round | response_format | aggregate tok/s | ratio | per-sequence decode tok/s | ratio "
                        + "| TTFT p50 ms | answers | valid | tokens | wall s |\n")
                .append("|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (GrammarRun run : runs) {
            GrammarRun base = GrammarBenchCommand.baseline(runs, run.round);
            md.append(String.format(Locale.ROOT, "| %d | %s | %.1f | %.2f | %.1f | %.2f | %.1f | %d | %d | %d | %.1f |%n",
                    run.round, run.mode.label(), run.aggregateTokensPerSecond(),
                    run.aggregateTokensPerSecond() / base.aggregateTokensPerSecond(), run.perSequenceTokensPerSecond(),
                    run.perSequenceTokensPerSecond() / base.perSequenceTokensPerSecond(), run.firstTokenMillis(50),
                    run.generations.size(), run.valid, run.completionTokens(), run.wallNanos / 1e9));
        }
        return md.toString();
    }
}
