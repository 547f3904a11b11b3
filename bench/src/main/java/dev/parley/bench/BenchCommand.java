package dev.parley.bench;

import dev.parley.bench.engine.EngineBenchCommand;
import dev.parley.bench.warm.WarmBenchCommand;
import dev.parley.models.GgufMetadata;
import dev.parley.testkit.ParleyInfra;
import dev.parley.worker.engine.llama.KvCacheType;
import dev.parley.worker.engine.llama.LlamaCppEngine;
import dev.parley.worker.engine.llama.LlamaEngineConfig;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tools.jackson.databind.JsonNode;
import dev.parley.schemas.codec.WireJson;

/**
 * {@code parley bench}: the baselines and Parley, same model, same machine, same run. Prints a table and writes
 * CSV, a PNG chart and a Markdown report under {@code --out}.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        subcommands = {WarmBenchCommand.class, dev.parley.bench.gateway.GatewayBenchCommand.class,
                EngineBenchCommand.class, dev.parley.bench.lanes.LanesBenchCommand.class,
                dev.parley.bench.grammar.GrammarBenchCommand.class, dev.parley.bench.prefix.PrefixBenchCommand.class,
                dev.parley.bench.warm.RestartBenchCommand.class, dev.parley.bench.kv.KvBenchCommand.class,
                dev.parley.bench.decode.DecodeBenchCommand.class,
                dev.parley.bench.responses.ResponsesBenchCommand.class},
        description = "Benchmark: (a) java-llama.cpp, 1 slot, conversations one after another; (b) java-llama.cpp, "
                + "N slots and N callers; (c) Parley end to end with N slots. Plus hot vs cold time to first token "
                + "and resident memory per KV cache type. Takes a few minutes.")
public final class BenchCommand implements Callable<Integer> {

    @Mixin
    WorkloadOptions shape = new WorkloadOptions(8, 6, 32, 8);

    @Option(names = "--threads", description = "Decode threads (default: cores - 1)")
    Integer threads;

    @Option(names = "--skip", split = ",", description = "Parts to skip: a, b, c, hotcold, rss")
    List<String> skip = new ArrayList<>();

    @Mixin
    BenchOptions options;

    private final PrintStream console = System.out;

    @Override
    public Integer call() throws Exception {
        Path modelFile = options.modelFile();
        int contextPerSlot = options.contextPerSlot();
        Path out = options.out();
        int decodeThreads = threads != null ? threads : LlamaEngineConfig.defaultThreads();
        Workload workload = new Workload(shape.conversations(), shape.turns(), shape.maxTokens());
        int slots = shape.slots();
        String machine = Runtime.getRuntime().availableProcessors() + " cores, Java " + Runtime.version().feature()
                + ", " + System.getProperty("os.arch");
        console.printf(Locale.ROOT, "Benchmark: %s, %d conversations x %d turns, %d tokens per answer, N = %d slots, "
                        + "%d decode thread(s), %s%n", modelFile.getFileName(), workload.conversations(), workload.turns(),
                workload.maxTokens(), slots, decodeThreads, machine);

        List<ModeResult> modes = new ArrayList<>();
        RawLlamaRunner raw = new RawLlamaRunner(modelFile, decodeThreads, contextPerSlot);
        if (!skip.contains("a")) {
            modes.add(report(raw.run("a", "java-llama.cpp, 1 slot, one conversation after another", workload, 1)));
        }
        if (!skip.contains("b")) {
            modes.add(report(raw.run("b", "java-llama.cpp, " + slots + " slots, " + slots + " callers", workload, slots)));
        }
        List<HotColdProbe.Sample> hotCold = List.of();
        LlamaCppEngine engine = null;
        if (!skip.contains("c") || !skip.contains("hotcold")) {
            engine = LlamaCppEngine.load(new LlamaEngineConfig(modelFile, slots, contextPerSlot, decodeThreads,
                    KvCacheType.F16, 0));
        }
        if (!skip.contains("c")) {
            try (ParleyInfra infra = ParleyInfra.start()) {
                modes.add(report(new ParleyRunner(infra).run("c", "Parley end to end, " + slots + " slots", workload, engine)));
            }
        }
        if (!skip.contains("hotcold")) {
            hotCold = new HotColdProbe(engine).run(3, 1000);
        }
        List<JsonNode> rss = skip.contains("rss") ? List.of() : rss(modelFile, slots, contextPerSlot);
        GgufMetadata metadata = GgufMetadata.read(modelFile);
        new BenchReport(out, machine, modelFile, workload, slots, decodeThreads, contextPerSlot, metadata)
                .write(modes, hotCold, rss, console);
        return 0;
    }

    private ModeResult report(ModeResult result) {
        console.printf(Locale.ROOT, "  (%s) %-55s %6.1f tok/s  TTFT p50 %6.0f ms  p95 %6.0f ms  (%.1f s)%n",
                result.mode(), result.description(), result.tokensPerSecond(), result.firstTokenPercentile(50),
                result.firstTokenPercentile(95), result.wallSeconds());
        return result;
    }

    /** One child JVM per cache type: a loaded model cannot be freed, and RSS must not mix configurations. */
    private List<JsonNode> rss(Path modelFile, int slots, int contextPerSlot) throws Exception {
        List<JsonNode> results = new ArrayList<>();
        String java = ProcessHandle.current().info().command().orElse("java");
        String classPath = System.getProperty("java.class.path");
        for (KvCacheType type : KvCacheType.values()) {
            Process process = new ProcessBuilder(java, "-Xmx256m", "-cp", classPath, RssProbe.class.getName(),
                    modelFile.toString(), type.toString(), String.valueOf(slots), String.valueOf(contextPerSlot))
                    .redirectErrorStream(true).start();
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                    if (line.startsWith("RSS ")) {
                        JsonNode node = WireJson.mapper().readTree(line.substring(4));
                        results.add(node);
                        console.printf(Locale.ROOT, "  RSS %-5s model loaded %6.0f MiB, %d warm conversations %6.0f MiB%n",
                                type, node.get("loaded_bytes").asLong() / 1048576.0, slots,
                                node.get("warm_bytes").asLong() / 1048576.0);
                    }
                }
            }
            if (!process.waitFor(5, TimeUnit.MINUTES)) {
                process.destroyForcibly();
            }
        }
        return results;
    }
}
