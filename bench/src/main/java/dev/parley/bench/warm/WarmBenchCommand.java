package dev.parley.bench.warm;

import dev.parley.bench.BenchOptions;
import dev.parley.testkit.ParleyInfra;
import dev.parley.worker.engine.cpp.NativeEngineConfig;
import dev.parley.worker.engine.llama.LlamaEngineConfig;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code parley bench warm}: many more conversations than slots, through Parley end to end, once per engine in the
 * same run (each in its own worker process), to compare how they keep conversations warm.
 */
@Command(name = "warm", mixinStandardHelpOptions = true,
        description = "Benchmark: many more conversations than slots, turns interleaved, histories past 1K tokens; "
                + "the java and native engines in turn, each in a worker process. Reports where returning turns found "
                + "their context, time to first token, tokens/s and RSS. Takes ~1 hour on 2 cores, most of it the java engine.")
public final class WarmBenchCommand implements Callable<Integer> {

    @Option(names = "--engines", split = ",", defaultValue = "java,native",
            description = "Engines to run, in order (default ${DEFAULT-VALUE})")
    List<String> engines = new ArrayList<>();

    @Option(names = "--conversations", defaultValue = "48", description = "Conversations (default ${DEFAULT-VALUE})")
    int conversations;

    @Option(names = "--turns", defaultValue = "6", description = "Turns per conversation (default ${DEFAULT-VALUE})")
    int turns;

    @Option(names = "--max-tokens", defaultValue = "24", description = "Tokens per answer (default ${DEFAULT-VALUE})")
    int maxTokens;

    @Option(names = "--slots", defaultValue = "4", description = "Slots of both engines (default ${DEFAULT-VALUE})")
    int slots;

    @Option(names = "--threads", description = "Threads of both engines (default: each engine's own default)")
    Integer threads;

    @Option(names = "--kv-snapshot-bytes", defaultValue = "2GiB", description = "Native engine (default ${DEFAULT-VALUE})")
    String snapshotBytes;

    @Mixin
    BenchOptions options;

    private final PrintStream console = System.out;

    @Override
    public Integer call() throws Exception {
        Path modelFile = options.modelFile();
        int contextPerSlot = options.contextPerSlot();
        Path out = options.out();
        WarmWorkload workload = new WarmWorkload(conversations, turns, maxTokens);
        String setting = String.format(Locale.ROOT, "%d cores, Java %d. Model `%s`. %d conversations x %d turns "
                        + "(each turn ~170 new tokens, answers of up to %d tokens, greedy), %d slots of %d tokens; "
                        + "every conversation sends its next turn when its reply arrives.",
                Runtime.getRuntime().availableProcessors(), Runtime.version().feature(), modelFile.getFileName(),
                conversations, turns, maxTokens, slots, contextPerSlot);
        console.println("Warm benchmark: " + setting);
        List<WarmResult> results = new ArrayList<>();
        try (ParleyInfra infra = ParleyInfra.start()) {
            WarmRunner runner = new WarmRunner(infra, modelFile, workload, slots, contextPerSlot, out, console);
            for (String engine : engines) {
                int engineThreads = threads != null ? threads : switch (engine) {
                    case "java" -> LlamaEngineConfig.defaultThreads();
                    case "native" -> NativeEngineConfig.defaultThreads();
                    default -> throw new IllegalArgumentException("--engines takes java and native, got " + engine);
                };
                List<String> flags = engine.equals("native") ? List.of("--kv-snapshot-bytes", snapshotBytes) : List.of();
                console.printf(Locale.ROOT, "  %s engine, %d thread(s)...%n", engine, engineThreads);
                WarmResult result = runner.run(engine, engineThreads, flags);
                console.printf(Locale.ROOT, "  %s: %.1f tok/s, returning TTFT p50 %.0f ms, %d conversations warm at "
                                + "peak, peak RSS %.0f MiB (%.0f s)%n", engine, result.tokensPerSecond(),
                        result.returningPercentile(WarmSample::firstTokenMs, 50), result.maxWarm(),
                        result.peakRssBytes() / 1048576.0, result.wallSeconds());
                results.add(result);
            }
        }
        new WarmReport(out, setting).write(results, slots, console);
        return 0;
    }
}
