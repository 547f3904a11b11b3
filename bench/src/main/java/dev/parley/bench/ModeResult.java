package dev.parley.bench;

import java.util.List;

/** All turns of one mode and the wall time they took together. */
record ModeResult(String mode, String description, List<TurnSample> turns, double wallSeconds) {

    long completionTokens() {
        return turns.stream().mapToLong(TurnSample::completionTokens).sum();
    }

    double tokensPerSecond() {
        return completionTokens() / wallSeconds;
    }

    double firstTokenPercentile(double p) {
        return Stats.percentile(turns.stream().mapToDouble(TurnSample::firstTokenMs).toArray(), p);
    }

    /** Cached / prompt tokens over turns after the first (hot turns), or NaN when unknown. */
    double hotCacheRatio() {
        List<TurnSample> hot = turns.stream().filter(t -> t.turn() > 0).toList();
        if (hot.isEmpty() || hot.stream().anyMatch(t -> t.cachedTokens() < 0)) {
            return Double.NaN;
        }
        return (double) hot.stream().mapToLong(TurnSample::cachedTokens).sum()
                / hot.stream().mapToLong(TurnSample::promptTokens).sum();
    }

    int lastTurnPromptTokens() {
        return (int) turns.stream().filter(t -> t.turn() == turns.stream().mapToInt(TurnSample::turn).max().orElse(0))
                .mapToInt(TurnSample::promptTokens).average().orElse(0);
    }
}
