package dev.parley.bench.warm;

import dev.parley.bench.Stats;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * One engine's run of the workload.
 *
 * @param engine         engine name as configured ({@code llama-server} for the baseline)
 * @param threads        decode threads it ran with
 * @param maxWarm        the most conversations the worker reported warm (in a slot or a snapshot) at once; -1 where
 *                       the server does not say
 * @param loadedRssBytes the server's resident memory once ready, before any turn
 * @param peakRssBytes   its peak resident memory during the run
 * @param metrics        its Prometheus samples at the end (none for llama-server)
 * @param cpuSeconds     CPU seconds each part of the run used (see {@link CpuBreakdown})
 * @param loadStart      the machine's 1-minute load average when the run began
 * @param loadEnd        and when it ended
 */
record WarmResult(String engine, int threads, List<WarmSample> samples, double wallSeconds, int maxWarm,
                  long loadedRssBytes, long peakRssBytes, Map<String, Double> metrics, Map<String, Double> cpuSeconds,
                  double loadStart, double loadEnd) {

    /** A result without CPU accounting (tests). */
    WarmResult(String engine, int threads, List<WarmSample> samples, double wallSeconds, int maxWarm,
               long loadedRssBytes, long peakRssBytes, Map<String, Double> metrics) {
        this(engine, threads, samples, wallSeconds, maxWarm, loadedRssBytes, peakRssBytes, metrics, Map.of(),
                Double.NaN, Double.NaN);
    }

    List<WarmSample> returning() {
        return samples.stream().filter(WarmSample::returning).toList();
    }

    long returningTurns(String tier) {
        return returning().stream().filter(s -> s.tier().equals(tier)).count();
    }

    long completionTokens() {
        return samples.stream().mapToLong(WarmSample::completionTokens).sum();
    }

    double tokensPerSecond() {
        return completionTokens() / wallSeconds;
    }

    long promptTokens(ToDoubleFunction<WarmSample> field) {
        return (long) returning().stream().mapToDouble(field).sum();
    }

    /** Percentile of a timing over returning turns. */
    double returningPercentile(ToDoubleFunction<WarmSample> field, double p) {
        return Stats.percentile(returning().stream().mapToDouble(field).toArray(), p);
    }

    /**
     * Median over turns of (completion tokens - 1) / (time from first token to reply): how fast one conversation's
     * answer streams while the others share the engine.
     */
    double medianDecodeRate() {
        return Stats.median(samples.stream().filter(s -> s.completionTokens() > 1)
                .mapToDouble(s -> {
                    double decodeMs = s.totalMs() - s.queuedMs() - s.firstTokenMs();
                    return decodeMs <= 0 ? Double.NaN : (s.completionTokens() - 1) * 1000.0 / decodeMs;
                }).filter(rate -> !Double.isNaN(rate)).toArray());
    }

    int lastTurnPromptTokens() {
        int last = samples.stream().mapToInt(WarmSample::turn).max().orElse(0);
        return (int) samples.stream().filter(s -> s.turn() == last).mapToInt(WarmSample::promptTokens).average()
                .orElse(0);
    }

    double metric(String sample) {
        return metrics.getOrDefault(sample, 0.0);
    }
}
