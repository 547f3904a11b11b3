package dev.parley.bench.responses;

import dev.parley.bench.Stats;
import java.util.List;
import java.util.Locale;

/** The Markdown report of {@code parley bench responses}. */
final class ResponsesReport {

    private ResponsesReport() {
    }

    static String markdown(String setting, List<WarmChainRun.Pair> pairs, ResumeCountRun.Counts resumed,
                           FloodRun.Counts flood) {
        StringBuilder md = new StringBuilder("### Responses API aims\n\n").append(setting).append("\n\n")
                .append("| conversation | history tokens | warm TTFT ms (cached tokens / input) | cold TTFT ms "
                        + "(cached tokens / input) | warm / cold |\n|---|---|---|---|---|\n");
        for (WarmChainRun.Pair p : pairs) {
            md.append(String.format(Locale.ROOT, "| %d | %d | %.0f (%d / %d) | %.0f (%d / %d) | %.3fx |%n",
                    p.conversation() + 1, p.historyTokens(), p.warm().ttftMs(), p.warm().cachedTokens(),
                    p.warm().inputTokens(), p.cold().ttftMs(), p.cold().cachedTokens(), p.cold().inputTokens(),
                    p.warm().ttftMs() / p.cold().ttftMs()));
        }
        double ratio = WarmChainRun.ratio(pairs);
        md.append(String.format(Locale.ROOT, "%nWarm previous_response_id turn after the restarts against the history "
                        + "resent cold: TTFT p50 %.0f ms against %.0f ms, **%.3fx** (aim <= 0.2x: %s).%n%n",
                Stats.percentile(pairs.stream().mapToDouble(p -> p.warm().ttftMs()).toArray(), 50),
                Stats.percentile(pairs.stream().mapToDouble(p -> p.cold().ttftMs()).toArray(), 50), ratio,
                ratio <= 0.2 ? "met" : "not met"));
        md.append(String.format(Locale.ROOT, "Resumed streams: %d cut after 3 text deltas on one gateway and resumed on "
                        + "the other; %d events delivered, %d duplicated, %d missing, %d not finished (aim: every "
                        + "event exactly once: %s).%n%n", resumed.streams(), resumed.events(), resumed.duplicates(),
                resumed.missing(), resumed.textMismatches(), resumed.exactlyOnce() ? "met" : "not met"));
        md.append(String.format(Locale.ROOT, "Flood: %d interactive requests at once; %d answered (slowest %.1f s), %d "
                        + "refused with 429 and Retry-After (slowest %.1f s), %d otherwise, deadline %.0f s (aim: "
                        + "answered or refused within the deadline: %s).%n", flood.requests(), flood.answered(),
                flood.slowestAnswer(), flood.refused(), flood.slowestRefusal(), flood.other(),
                flood.deadlineSeconds(), flood.met() ? "met" : "not met"));
        return md.toString();
    }
}
