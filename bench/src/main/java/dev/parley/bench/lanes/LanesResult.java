package dev.parley.bench.lanes;

import dev.parley.bench.Stats;
import java.util.List;
import java.util.Locale;

/**
 * One mode's interactive time to first token (from the prompt's arrival at the worker to its first token: the
 * reply's queued_ms + first_token_ms), and what else happened meanwhile.
 *
 * @param mode           what was measured
 * @param ttftMillis     the interactive prompts' times to first token
 * @param batchAnswered  batch replies that came back while the interactive prompts were answered
 * @param preemptions    batch generations paused in the run
 * @param agedStarts     batch turns started by the aging bound
 */
record LanesResult(String mode, double[] ttftMillis, int batchAnswered, long preemptions, long agedStarts) {

    double p50() {
        return Stats.percentile(ttftMillis, 50);
    }

    double p95() {
        return Stats.percentile(ttftMillis, 95);
    }

    static String markdown(String setting, LanesResult idle, List<LanesResult> results) {
        StringBuilder md = new StringBuilder();
        md.append(setting).append("\n\n");
        md.append("| mode | interactive TTFT p50 | p95 | p50 vs idle | p95 vs idle | batch answered meanwhile | preemptions |\n");
        md.append("|---|---|---|---|---|---|---|\n");
        for (LanesResult r : results) {
            md.append(String.format(Locale.ROOT, "| %s | %.0f ms | %.0f ms | %.2fx | %.2fx | %d | %d |%n", r.mode(),
                    r.p50(), r.p95(), r.p50() / idle.p50(), r.p95() / idle.p95(), r.batchAnswered(), r.preemptions()));
        }
        return md.toString();
    }
}
