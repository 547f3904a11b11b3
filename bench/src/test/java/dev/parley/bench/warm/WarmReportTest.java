package dev.parley.bench.warm;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The warm benchmark's report from fixed results: its table, notes and ratios, the CSV, and the console copy. */
class WarmReportTest {

    @TempDir
    Path out;

    private static WarmSample turn(int conversation, int turn, int prompt, int cached, int restored, long firstMs,
                                   double endToEndMs) {
        return new WarmSample(conversation, turn, prompt, cached, restored, 11, 2, firstMs, firstMs + 200, endToEndMs);
    }

    private static WarmResult result(String engine, int maxWarm, long firstMs, double wallSeconds,
                                     Map<String, Double> metrics) {
        return new WarmResult(engine, 2, List.of(turn(0, 0, 100, 0, 0, 90, 400),
                turn(0, 1, 300, 280, 0, firstMs, firstMs + 300), turn(1, 1, 300, 280, 280, firstMs * 2, firstMs * 2 + 500)),
                wallSeconds, maxWarm, 100L << 20, 150L << 20, metrics);
    }

    @Test
    void reportsEveryRunAndTheRatiosBetweenThem() throws Exception {
        Map<String, Double> metrics = Map.of("parley_kv_evictions_total", 3.0,
                "parley_kv_snapshot_save_seconds_count", 2.0, "parley_kv_snapshot_save_seconds_sum", 0.01,
                "parley_kv_snapshot_restore_seconds_count", 4.0, "parley_kv_snapshot_restore_seconds_sum", 0.002,
                "parley_kv_snapshots_dropped_total", 1.0);
        WarmResult java = result("java", 1, 100, 3, Map.of());
        WarmResult nat = result("native", 40, 10, 1.5, metrics);
        WarmResult server = result(LlamaServerRunner.ENGINE, -1, 20, 2, Map.of());
        ByteArrayOutputStream console = new ByteArrayOutputStream();

        new WarmReport(out, "Setting X.").write(List.of(java, nat, server), 4,
                new PrintStream(console, true, StandardCharsets.UTF_8));

        String md = Files.readString(out.resolve("warm-report.md"));
        assertThat(md.lines().findFirst().orElseThrow()).startsWith("Run ").endsWith(" Setting X.");
        // Everything after the first line (its time stamp), as the report was before its write method was split.
        assertThat(md.substring(md.indexOf('\n') + 1)).isEqualTo("""

            | engine | threads | conversations warm (peak) | returning turns: in place / snapshot / prefill | returning prompt tokens: in place / restored / computed | TTFT p50 / p95 ms, returning, as the client sees it | TTFT p50 ms from the slot's start, returning | reply p50 / p95 ms, returning | decode tok/s per turn, median | completion tokens | wall s | tokens/s | RSS ready / peak MiB |
            |---|---|---|---|---|---|---|---|---|---|---|---|---|
            | java | 2 | 1 | 1 / 1 / 0 | 280 / 280 / 40 | 202 / 502 | 100 | 400 / 700 | 50.5 | 33 | 3 | 11.0 | 100 / 150 |
            | native | 2 | 40 | 1 / 1 / 0 | 280 / 280 / 40 | 112 / 322 | 10 | 310 / 520 | 50.5 | 33 | 2 | 22.0 | 100 / 150 |
            | llama-server | 2 | n/a | 1 / n/a / 0 | 280 / n/a / 40 | 122 / 342 | 20 | 320 / 540 | 50.5 | 33 | 2 | 16.5 | 100 / 150 |

            - **java**: 0 evictions, 0 snapshots taken (mean 0.0 ms, 0 into a reused buffer), 0 restored (mean 0.00 ms), 0 dropped for the budget; last-turn prompt 300 tokens.
            - **native**: 3 evictions, 2 snapshots taken (mean 5.0 ms, 0 into a reused buffer), 4 restored (mean 0.50 ms), 1 dropped for the budget; last-turn prompt 300 tokens.
            - **llama-server**: its time to first token from the slot's start is its own timings.prompt_ms, as the client sees it the reply's arrival less timings.predicted_ms; it does not say whether cached tokens stayed in the slot or came back from its RAM cache, so both count as in place; last-turn prompt 300 tokens.


            - **Parley native / llama-server**: tokens/s **1.33** (aim >= 1.05); returning TTFT p50 as the client sees it **0.92** (aim <= 0.9), p95 0.94; from the slot's start p50 0.50; reply p50 0.97, p95 0.96; peak RSS 1.00; returning prompt tokens computed 40 / 40.

            - conversations warm / slots, native: **10.0** (aim >= 10)
            - TTFT p50 of returning turns, native / java: **0.554** (aim <= 0.1); reply latency p50, native / java: 0.775
            - tokens/s, native / java: **2.00** (aim >= 1); median per-turn decode rate, native / java: 1.00
            """);
        assertThat(Files.readAllLines(out.resolve("warm-turns.csv"))).hasSize(1 + 9)
                .contains("native,1,1,snapshot,300,280,280,11,2,20,220,520.0");
        assertThat(console.toString(StandardCharsets.UTF_8)).contains(md)
                .contains("Wrote " + out.resolve("warm-report.md") + " and " + out.resolve("warm-turns.csv"));
    }
}
