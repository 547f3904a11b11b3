package dev.parley.bench;

import dev.parley.models.GgufMetadata;
import dev.parley.worker.engine.llama.KvCacheType;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import tools.jackson.databind.JsonNode;

/** Turns benchmark results into a console table, CSV files, a PNG chart and a Markdown report. */
final class BenchReport {

    private final Path out;
    private final String machine;
    private final Path model;
    private final Workload workload;
    private final int slots;
    private final int threads;
    private final int contextPerSlot;
    private final GgufMetadata metadata;

    BenchReport(Path out, String machine, Path model, Workload workload, int slots, int threads, int contextPerSlot,
                GgufMetadata metadata) {
        this.out = out;
        this.machine = machine;
        this.model = model;
        this.workload = workload;
        this.slots = slots;
        this.threads = threads;
        this.contextPerSlot = contextPerSlot;
        this.metadata = metadata;
    }

    void write(List<ModeResult> modes, List<HotColdProbe.Sample> hotCold, List<JsonNode> rss, PrintStream console)
            throws IOException {
        StringBuilder md = new StringBuilder();
        md.append(String.format(Locale.ROOT, "Run %s on %s. Model `%s`, %d conversations x %d turns, %d tokens per "
                        + "answer (greedy), N = %d slots of %d tokens, %d decode thread(s).%n%n", Instant.now(), machine,
                model.getFileName(), workload.conversations(), workload.turns(), workload.maxTokens(), slots,
                contextPerSlot, threads));
        appendModeTable(md, modes);
        md.append('\n');
        appendModeRatios(md, modes);
        if (!hotCold.isEmpty()) {
            md.append(hotVersusCold(hotCold));
        }
        if (!rss.isEmpty()) {
            appendMemoryTable(md, rss);
        }
        Files.writeString(out.resolve("report.md"), md);
        writeCsv(modes);
        writeChart(modes);
        console.println();
        console.print(md);
        console.println("\nWrote " + out.resolve("report.md") + ", turns.csv, summary.csv, chart.png");
    }

    private static void appendModeTable(StringBuilder md, List<ModeResult> modes) {
        md.append("| mode | what | completion tokens | wall s | tokens/s | TTFT p50 ms | TTFT p95 ms | cached/prompt, hot turns | prompt tokens, last turn |\n");
        md.append("|---|---|---|---|---|---|---|---|---|\n");
        for (ModeResult m : modes) {
            md.append(String.format(Locale.ROOT, "| (%s) | %s | %d | %.1f | %.1f | %.0f | %.0f | %s | %d |%n", m.mode(),
                    m.description(), m.completionTokens(), m.wallSeconds(), m.tokensPerSecond(),
                    m.firstTokenPercentile(50), m.firstTokenPercentile(95),
                    Double.isNaN(m.hotCacheRatio()) ? "n/a" : String.format(Locale.ROOT, "%.1f%%", 100 * m.hotCacheRatio()),
                    m.lastTurnPromptTokens()));
        }
    }

    /** The ratios the benchmark aims at, between the modes that ran. */
    private static void appendModeRatios(StringBuilder md, List<ModeResult> modes) {
        Optional<ModeResult> a = find(modes, "a");
        Optional<ModeResult> b = find(modes, "b");
        Optional<ModeResult> c = find(modes, "c");
        if (a.isPresent() && b.isPresent()) {
            md.append(String.format(Locale.ROOT, "- (b)/(a) throughput: **%.2f** (aim >= 2.5)%n",
                    b.get().tokensPerSecond() / a.get().tokensPerSecond()));
        }
        if (b.isPresent() && c.isPresent()) {
            md.append(String.format(Locale.ROOT, "- (c)/(b) throughput: **%.2f** (aim >= 0.95); TTFT p50 (c)/(b): %.2f%n",
                    c.get().tokensPerSecond() / b.get().tokensPerSecond(),
                    c.get().firstTokenPercentile(50) / b.get().firstTokenPercentile(50)));
        }
    }

    private static String hotVersusCold(List<HotColdProbe.Sample> hotCold) {
        double cold = Stats.median(hotCold.stream().mapToDouble(HotColdProbe.Sample::coldMs).toArray());
        double hot = Stats.median(hotCold.stream().mapToDouble(HotColdProbe.Sample::hotMs).toArray());
        double prompt = hotCold.stream().mapToInt(HotColdProbe.Sample::promptTokens).average().orElse(0);
        double cached = hotCold.stream().mapToDouble(s -> (double) s.hotCached() / s.hotPrompt()).average().orElse(0);
        return String.format(Locale.ROOT, "- Hot vs cold time to first token at %.0f tokens of history "
                        + "(median of %d conversations): hot %.0f ms, cold %.0f ms, ratio **%.3f** (aim <= 0.2); "
                        + "hot turns reused %.1f%% of their prompt from the slot%n",
                prompt, hotCold.size(), hot, cold, hot / cold, 100 * cached);
    }

    /** Measured resident memory per KV cache type, next to what the KV cache alone should take. */
    private void appendMemoryTable(StringBuilder md, List<JsonNode> rss) {
        md.append(String.format(Locale.ROOT, "%nResident memory, one process per KV cache type, %d slots x %d tokens "
                + "allocated, one conversation warmed per slot (an eighth of a slot each):%n%n", slots, contextPerSlot));
        md.append("| KV cache | JVM before load MiB | model + KV allocated MiB | + warm conversations MiB | theoretical KV for the allocated context MiB | theoretical KV of the warm tokens MiB |\n");
        md.append("|---|---|---|---|---|---|\n");
        for (JsonNode node : rss) {
            KvCacheType type = KvCacheType.parse(node.get("type").asString());
            double perToken = metadata.kvBytesPerToken(type.bytesPerElement());
            md.append(String.format(Locale.ROOT, "| %s | %.0f | %.0f | %.0f | %.0f | %.1f |%n", type,
                    mib(node.get("jvm_bytes").asLong()), mib(node.get("loaded_bytes").asLong()),
                    mib(node.get("warm_bytes").asLong()), perToken * slots * contextPerSlot / 1048576.0,
                    perToken * node.get("warm_tokens").asLong() / 1048576.0));
        }
        md.append(String.format(Locale.ROOT, "%nKV bytes per token of this model (2 x %d layers x KV heads x head dim "
                        + "x bytes per element): F16 %.0f, Q8_0 %.0f, Q4_0 %.0f.%n", metadata.archNumber("block_count"),
                metadata.kvBytesPerToken(2.0), metadata.kvBytesPerToken(34.0 / 32), metadata.kvBytesPerToken(18.0 / 32)));
    }

    private static double mib(long bytes) {
        return bytes / 1048576.0;
    }

    private static Optional<ModeResult> find(List<ModeResult> modes, String mode) {
        return modes.stream().filter(m -> m.mode().equals(mode)).findFirst();
    }

    private void writeCsv(List<ModeResult> modes) throws IOException {
        List<String> turns = new ArrayList<>();
        turns.add("mode,conversation,turn,prompt_tokens,cached_tokens,completion_tokens,first_token_ms,total_ms");
        List<String> summary = new ArrayList<>();
        summary.add("mode,description,completion_tokens,wall_s,tokens_per_s,ttft_p50_ms,ttft_p95_ms,hot_cache_ratio");
        for (ModeResult m : modes) {
            for (TurnSample t : m.turns()) {
                turns.add(String.format(Locale.ROOT, "%s,%d,%d,%d,%d,%d,%.1f,%.1f", t.mode(), t.conversation(), t.turn(),
                        t.promptTokens(), t.cachedTokens(), t.completionTokens(), t.firstTokenMs(), t.totalMs()));
            }
            summary.add(String.format(Locale.ROOT, "%s,\"%s\",%d,%.2f,%.2f,%.1f,%.1f,%.4f", m.mode(), m.description(),
                    m.completionTokens(), m.wallSeconds(), m.tokensPerSecond(), m.firstTokenPercentile(50),
                    m.firstTokenPercentile(95), m.hotCacheRatio()));
        }
        Files.write(out.resolve("turns.csv"), turns);
        Files.write(out.resolve("summary.csv"), summary);
    }

    private void writeChart(List<ModeResult> modes) throws IOException {
        if (modes.isEmpty()) {
            return;
        }
        List<String> labels = modes.stream().map(m -> "(" + m.mode() + ")").toList();
        double[][] throughput = new double[modes.size()][1];
        double[][] ttft = new double[modes.size()][2];
        for (int i = 0; i < modes.size(); i++) {
            throughput[i][0] = modes.get(i).tokensPerSecond();
            ttft[i][0] = modes.get(i).firstTokenPercentile(50);
            ttft[i][1] = modes.get(i).firstTokenPercentile(95);
        }
        BarChart.write(out.resolve("chart.png"), "Parley benchmark: " + model.getFileName() + ", " + machine, List.of(
                new BarChart.Panel("Aggregate throughput", "tokens/s", labels, List.of("tokens/s"), throughput),
                new BarChart.Panel("Time to first token", "ms", labels, List.of("p50", "p95"), ttft)));
    }
}
