package dev.parley.bench.warm;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** The many-conversations benchmark as a Markdown table with ratios, a CSV of every turn, and console lines. */
final class WarmReport {

    private static final double MIB = 1024 * 1024;

    private final Path out;
    private final String setting;

    WarmReport(Path out, String setting) {
        this.out = out;
        this.setting = setting;
    }

    void write(List<WarmResult> results, int slots, PrintStream console) throws IOException {
        StringBuilder md = new StringBuilder();
        md.append(String.format(Locale.ROOT, "Run %s. %s%n%n", Instant.now(), setting));
        appendTable(md, results);
        md.append('\n');
        for (WarmResult r : results) {
            md.append(cacheNote(r));
        }
        md.append('\n');
        for (WarmResult r : results) {
            md.append(cpuLine(r));
        }
        appendRatios(md, results, slots);
        Files.writeString(out.resolve("warm-report.md"), md.toString());
        writeCsv(results);
        console.println();
        console.print(md);
        console.println("Wrote " + out.resolve("warm-report.md") + " and " + out.resolve("warm-turns.csv"));
    }

    /** One row per run: how many conversations stayed warm, where returning turns found their cache, latencies. */
    private static void appendTable(StringBuilder md, List<WarmResult> results) {
        md.append("| engine | threads | conversations warm (peak) | returning turns: in place / snapshot / prefill "
                + "| returning prompt tokens: in place / restored / computed | TTFT p50 / p95 ms, returning, as the client sees it "
                + "| TTFT p50 ms from the slot's start, returning | reply p50 / p95 ms, returning | decode tok/s per turn, median | completion tokens | wall s "
                + "| tokens/s | RSS ready / peak MiB |\n");
        md.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (WarmResult r : results) {
            // Only Parley's own engines tell a snapshot restore apart from a turn that stayed in its slot.
            boolean tiersKnown = r.maxWarm() >= 0 || r.engine().equals(InProcessWarm.ENGINE);
            md.append(String.format(Locale.ROOT, "| %s | %d | %s | %d / %s / %d | %d / %s / %d | %.0f / %.0f | %.0f "
                            + "| %.0f / %.0f | %.1f | %d | %.0f | %.1f | %.0f / %.0f |%n",
                    r.engine(), r.threads(), r.maxWarm() >= 0 ? String.valueOf(r.maxWarm()) : "n/a",
                    r.returningTurns("in_place"), tiersKnown ? String.valueOf(r.returningTurns("snapshot")) : "n/a",
                    r.returningTurns("prefill"), r.promptTokens(s -> s.cachedTokens() - s.restoredTokens()),
                    tiersKnown ? String.valueOf(r.promptTokens(WarmSample::restoredTokens)) : "n/a",
                    r.promptTokens(WarmSample::computedTokens),
                    r.returningPercentile(WarmSample::clientFirstTokenMs, 50),
                    r.returningPercentile(WarmSample::clientFirstTokenMs, 95),
                    r.returningPercentile(WarmSample::firstTokenMs, 50),
                    r.returningPercentile(WarmSample::endToEndMs, 50), r.returningPercentile(WarmSample::endToEndMs, 95),
                    r.medianDecodeRate(), r.completionTokens(), r.wallSeconds(), r.tokensPerSecond(),
                    r.loadedRssBytes() / MIB, r.peakRssBytes() / MIB));
        }
    }

    /** What the run's KV cache did: evictions and snapshots for Parley, a caveat for llama-server. */
    private static String cacheNote(WarmResult r) {
        if (r.engine().equals(LlamaServerRunner.ENGINE)) {
            return String.format(Locale.ROOT, "- **%s**: its time to first token from the slot's start is its own "
                    + "timings.prompt_ms, as the client sees it the reply's arrival less timings.predicted_ms; it does not say whether cached tokens stayed in the slot or came back from its RAM cache, "
                    + "so both count as in place; last-turn prompt %d tokens.%n", r.engine(), r.lastTurnPromptTokens());
        }
        double saves = r.metric("parley_kv_snapshot_save_seconds_count");
        double restores = r.metric("parley_kv_snapshot_restore_seconds_count");
        return String.format(Locale.ROOT, "- **%s**: %.0f evictions, %.0f snapshots taken (mean %.1f ms, %.0f into "
                        + "a reused buffer), %.0f restored (mean %.2f ms), %.0f dropped for the budget; last-turn prompt "
                        + "%d tokens.%n",
                r.engine(), r.metric("parley_kv_evictions_total"), saves,
                saves == 0 ? 0 : 1000 * r.metric("parley_kv_snapshot_save_seconds_sum") / saves,
                r.metric("parley_kv_snapshot_buffers_reused_total"), restores,
                restores == 0 ? 0 : 1000 * r.metric("parley_kv_snapshot_restore_seconds_sum") / restores,
                r.metric("parley_kv_snapshots_dropped_total"), r.lastTurnPromptTokens());
    }

    /** The ratios the benchmark aims at: each llama-server run against the Parley run before it, native against java. */
    private static void appendRatios(StringBuilder md, List<WarmResult> results, int slots) {
        WarmResult lastNative = null;
        for (WarmResult r : results) {
            if (r.engine().equals("native") || r.engine().equals(InProcessWarm.ENGINE)) {
                lastNative = r;
            } else if (r.engine().equals(LlamaServerRunner.ENGINE) && lastNative != null) {
                md.append(againstLlamaServer(lastNative, r));
            }
        }
        Optional<WarmResult> java = find(results, "java");
        Optional<WarmResult> nat = find(results, "native");
        if (java.isPresent() && nat.isPresent()) {
            md.append(nativeAgainstJava(nat.get(), java.get(), slots));
        }
    }

    private static String nativeAgainstJava(WarmResult n, WarmResult j, int slots) {
        double ttft = ratio(n, j, WarmSample::clientFirstTokenMs, 50);
        double reply = n.returningPercentile(WarmSample::endToEndMs, 50)
                / j.returningPercentile(WarmSample::endToEndMs, 50);
        return String.format(Locale.ROOT, "%n- conversations warm / slots, native: **%.1f** (aim >= 10)%n",
                (double) n.maxWarm() / slots)
                + String.format(Locale.ROOT, "- TTFT p50 of returning turns, native / java: **%.3f** (aim <= 0.1); "
                + "reply latency p50, native / java: %.3f%n", ttft, reply)
                + String.format(Locale.ROOT, "- tokens/s, native / java: **%.2f** (aim >= 1); median per-turn "
                + "decode rate, native / java: %.2f%n", n.tokensPerSecond() / j.tokensPerSecond(),
                n.medianDecodeRate() / j.medianDecodeRate());
    }

    private static String cpuLine(WarmResult r) {
        if (r.cpuSeconds().isEmpty()) {
            return "";
        }
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "- CPU seconds during the %s run "
                        + "(%.0f s wall, %d cores = %.0f core-seconds; load average %.1f at its start, %.1f at its end): ",
                r.engine(), r.wallSeconds(), Runtime.getRuntime().availableProcessors(),
                r.wallSeconds() * Runtime.getRuntime().availableProcessors(), r.loadStart(), r.loadEnd()));
        String parts = r.cpuSeconds().entrySet().stream().limit(16)
                .map(e -> String.format(Locale.ROOT, "%s %.1f", e.getKey(), e.getValue()))
                .collect(java.util.stream.Collectors.joining(", "));
        return line.append(parts).append(".\n").toString();
    }

    /** Parley's native engine against the llama-server run that followed it, same workload, same machine. */
    private static String againstLlamaServer(WarmResult parley, WarmResult server) {
        return String.format(Locale.ROOT, "%n- **Parley %s / llama-server**: tokens/s **%.2f** (aim >= 1.05); "
                        + "returning TTFT p50 as the client sees it **%.2f** (aim <= 0.9), p95 %.2f; from the slot's "
                        + "start p50 %.2f; reply p50 %.2f, p95 %.2f; peak RSS %.2f; returning prompt tokens computed "
                        + "%d / %d.%n", parley.engine(),
                parley.tokensPerSecond() / server.tokensPerSecond(),
                ratio(parley, server, WarmSample::clientFirstTokenMs, 50),
                ratio(parley, server, WarmSample::clientFirstTokenMs, 95),
                ratio(parley, server, WarmSample::firstTokenMs, 50),
                ratio(parley, server, WarmSample::endToEndMs, 50), ratio(parley, server, WarmSample::endToEndMs, 95),
                (double) parley.peakRssBytes() / server.peakRssBytes(),
                parley.promptTokens(WarmSample::computedTokens), server.promptTokens(WarmSample::computedTokens));
    }

    private static double ratio(WarmResult a, WarmResult b, java.util.function.ToDoubleFunction<WarmSample> value,
                                int percentile) {
        return a.returningPercentile(value, percentile) / b.returningPercentile(value, percentile);
    }

    private void writeCsv(List<WarmResult> results) throws IOException {
        StringBuilder csv = new StringBuilder("engine,conversation,turn,tier,prompt_tokens,cached_tokens,"
                + "restored_tokens,completion_tokens,queued_ms,first_token_ms,total_ms,end_to_end_ms\n");
        for (WarmResult r : results) {
            for (WarmSample s : r.samples()) {
                csv.append(String.format(Locale.ROOT, "%s,%d,%d,%s,%d,%d,%d,%d,%d,%d,%d,%.1f%n", r.engine(),
                        s.conversation(), s.turn(), s.tier(), s.promptTokens(), s.cachedTokens(), s.restoredTokens(),
                        s.completionTokens(), s.queuedMs(), s.firstTokenMs(), s.totalMs(), s.endToEndMs()));
            }
        }
        Files.writeString(out.resolve("warm-turns.csv"), csv.toString());
    }

    private static Optional<WarmResult> find(List<WarmResult> results, String engine) {
        return results.stream().filter(r -> r.engine().equals(engine)).findFirst();
    }
}
