package dev.parley.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.models.GgufMetadata;
import dev.parley.schemas.codec.WireJson;
import dev.parley.testkit.gguf.TinyLlamaModel;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** The throughput benchmark's report from fixed results: tables, ratios, memory, CSV files, chart and console. */
class BenchReportTest {

    @TempDir
    Path out;

    private static ModeResult mode(String mode, double wallSeconds, double firstTokenMs) {
        return new ModeResult(mode, "mode " + mode, List.of(
                new TurnSample(mode, 0, 0, 100, 0, 50, firstTokenMs, 900),
                new TurnSample(mode, 0, 1, 300, 150, 50, firstTokenMs * 3, 1000)), wallSeconds);
    }

    @Test
    void reportsModesRatiosHotColdAndMemory() throws Exception {
        Path model = TinyLlamaModel.write(out.resolve("tiny.gguf"), 1);
        BenchReport report = new BenchReport(out, "test machine", model, new Workload(2, 3, 50), 4, 2, 512,
                GgufMetadata.read(model));
        List<ModeResult> modes = List.of(mode("a", 4, 100), mode("b", 1, 20), mode("c", 1.25, 30));
        List<HotColdProbe.Sample> hotCold = List.of(new HotColdProbe.Sample(1000, 400, 40, 900, 1000),
                new HotColdProbe.Sample(1000, 600, 60, 700, 1000));
        JsonNode rss = WireJson.mapper().readTree("{\"type\":\"q8_0\",\"jvm_bytes\":10485760,"
                + "\"loaded_bytes\":20971520,\"warm_bytes\":31457280,\"warm_tokens\":4096}");
        ByteArrayOutputStream console = new ByteArrayOutputStream();

        report.write(modes, hotCold, List.of(rss), new PrintStream(console, true, StandardCharsets.UTF_8));

        String md = Files.readString(out.resolve("report.md"));
        assertThat(md.lines().findFirst().orElseThrow()).startsWith("Run ").endsWith(" on test machine. Model "
                + "`tiny.gguf`, 2 conversations x 3 turns, 50 tokens per answer (greedy), N = 4 slots of 512 tokens, "
                + "2 decode thread(s).");
        // Everything after the first line (its time stamp), as the report was before its write method was split.
        assertThat(md.substring(md.indexOf('\n') + 1)).isEqualTo("""

            | mode | what | completion tokens | wall s | tokens/s | TTFT p50 ms | TTFT p95 ms | cached/prompt, hot turns | prompt tokens, last turn |
            |---|---|---|---|---|---|---|---|---|
            | (a) | mode a | 100 | 4.0 | 25.0 | 100 | 300 | 50.0% | 300 |
            | (b) | mode b | 100 | 1.0 | 100.0 | 20 | 60 | 50.0% | 300 |
            | (c) | mode c | 100 | 1.3 | 80.0 | 30 | 90 | 50.0% | 300 |

            - (b)/(a) throughput: **4.00** (aim >= 2.5)
            - (c)/(b) throughput: **0.80** (aim >= 0.95); TTFT p50 (c)/(b): 1.50
            - Hot vs cold time to first token at 1000 tokens of history (median of 2 conversations): hot 40 ms, cold 400 ms, ratio **0.100** (aim <= 0.2); hot turns reused 80.0% of their prompt from the slot

            Resident memory, one process per KV cache type, 4 slots x 512 tokens allocated, one conversation warmed per slot (an eighth of a slot each):

            | KV cache | JVM before load MiB | model + KV allocated MiB | + warm conversations MiB | theoretical KV for the allocated context MiB | theoretical KV of the warm tokens MiB |
            |---|---|---|---|---|---|
            | q8_0 | 10 | 20 | 30 | 0 | 0.5 |

            KV bytes per token of this model (2 x 2 layers x KV heads x head dim x bytes per element): F16 256, Q8_0 136, Q4_0 72.
            """);
        assertThat(Files.readAllLines(out.resolve("turns.csv"))).hasSize(1 + 6);
        assertThat(Files.readAllLines(out.resolve("summary.csv"))).hasSize(1 + 3);
        assertThat(out.resolve("chart.png")).isNotEmptyFile();
        assertThat(console.toString(StandardCharsets.UTF_8)).contains(md)
                .contains("Wrote " + out.resolve("report.md") + ", turns.csv, summary.csv, chart.png");
    }
}
