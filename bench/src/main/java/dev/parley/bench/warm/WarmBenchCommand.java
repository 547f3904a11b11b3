package dev.parley.bench.warm;

import dev.parley.bench.BenchOptions;
import dev.parley.bench.WorkloadOptions;
import dev.parley.testkit.ParleyInfra;
import dev.parley.worker.config.ByteSizes;
import dev.parley.worker.engine.cpp.NativeEngineConfig;
import dev.parley.worker.engine.llama.LlamaEngineConfig;
import java.io.PrintStream;
import java.nio.file.Files;
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
 * same run (each in its own worker process), to compare how they keep conversations warm; and, given
 * {@code --llama-server}, the same workload against a fresh llama-server on the same model and settings, the
 * baseline a CPU user would pick instead.
 */
@Command(name = "warm", mixinStandardHelpOptions = true,
        description = "Benchmark: many more conversations than slots, turns interleaved, histories past 1K tokens; "
                + "the java and native engines in turn, each in a worker process. Reports where returning turns found "
                + "their context, time to first token, tokens/s and RSS. Takes ~1 hour on 2 cores, most of it the java engine.")
public final class WarmBenchCommand implements Callable<Integer> {

    @Option(names = "--engines", split = ",", defaultValue = "java,native",
            description = "Engines to run, in order (default ${DEFAULT-VALUE})")
    List<String> engines = new ArrayList<>();

    @Mixin
    WorkloadOptions shape = new WorkloadOptions(48, 6, 24, 4);

    @Option(names = "--threads", description = "Threads of both engines (default: each engine's own default)")
    Integer threads;

    @Option(names = "--kv-snapshot-bytes", defaultValue = "2GiB",
            description = "Native engine's snapshot budget, and llama-server's --cache-ram (default ${DEFAULT-VALUE})")
    String snapshotBytes;

    @Option(names = "--kv-cache-type", defaultValue = "f16",
            description = "KV cache type of every engine and llama-server: f16, q8_0, q4_0 (default ${DEFAULT-VALUE})")
    String kvCacheType;

    @Option(names = "--llama-server", defaultValue = "${env:PARLEY_LLAMA_SERVER}",
            description = "llama-server binary to run as a baseline after the engines (build it with "
                    + "ops/bench/build-llama-server.sh); default $PARLEY_LLAMA_SERVER, else no baseline")
    Path llamaServer;

    @Option(names = "--llama-server-arg",
            description = "Extra argument for llama-server, repeatable (e.g. --no-repack where its AMX kernels crash)")
    List<String> llamaServerArgs = new ArrayList<>();

    @Option(names = "--repeat", defaultValue = "1",
            description = "Runs of the whole comparison, one after the other (default ${DEFAULT-VALUE})")
    int repeat;

    @Mixin
    BenchOptions options;

    private final PrintStream console = System.out;

    @Override
    public Integer call() throws Exception {
        Path modelFile = options.modelFile();
        int contextPerSlot = options.contextPerSlot();
        Path out = options.out();
        WarmWorkload workload = new WarmWorkload(shape.conversations(), shape.turns(), shape.maxTokens());
        int slots = shape.slots();
        String setting = String.format(Locale.ROOT, "%d cores, Java %d. Model `%s`. %d conversations x %d turns "
                        + "(each turn ~170 new tokens, answers of up to %d tokens, greedy), %d slots of %d tokens; "
                        + "every conversation sends its next turn when its reply arrives. KV cache %s, snapshot "
                        + "budget (llama-server: --cache-ram) %s.",
                Runtime.getRuntime().availableProcessors(), Runtime.version().feature(), modelFile.getFileName(),
                workload.conversations(), workload.turns(), workload.maxTokens(), slots, contextPerSlot, kvCacheType,
                snapshotBytes);
        console.println("Warm benchmark: " + setting);
        if (llamaServer == null) {
            console.println("  No llama-server baseline: build one with ops/bench/build-llama-server.sh and pass "
                    + "--llama-server PATH (or set PARLEY_LLAMA_SERVER).");
        } else if (!Files.isExecutable(llamaServer)) {
            throw new IllegalArgumentException("--llama-server " + llamaServer + " is not an executable file");
        }
        List<String> kvFlags = List.of("--kv-cache-type", kvCacheType);
        List<WarmResult> results = new ArrayList<>();
        try (ParleyInfra infra = ParleyInfra.start()) {
            WarmRunner runner = new WarmRunner(infra, modelFile, workload, slots, contextPerSlot, out, console);
            for (int run = 1; run <= repeat; run++) {
                for (String engine : engines) {
                    int engineThreads = threadsOf(engine);
                    List<String> flags = new ArrayList<>(kvFlags);
                    if (engine.equals("native")) {
                        flags.addAll(List.of("--kv-snapshot-bytes", snapshotBytes));
                    }
                    console.printf(Locale.ROOT, "  run %d: %s engine, %d thread(s)...%n", run, engine, engineThreads);
                    results.add(report(runner.run(engine, engineThreads, flags)));
                }
                if (llamaServer != null) {
                    int serverThreads = threadsOf("native");
                    console.printf(Locale.ROOT, "  run %d: llama-server, %d thread(s)...%n", run, serverThreads);
                    results.add(report(new LlamaServerRunner(llamaServer, modelFile, workload, slots, contextPerSlot,
                            kvCacheType, ByteSizes.parse(snapshotBytes) >> 20, llamaServerArgs, out, console).run(serverThreads)));
                }
            }
        }
        new WarmReport(out, setting).write(results, slots, console);
        return 0;
    }

    private int threadsOf(String engine) {
        return threads != null ? threads : switch (engine) {
            case "java" -> LlamaEngineConfig.defaultThreads();
            case "native" -> NativeEngineConfig.defaultThreads();
            default -> throw new IllegalArgumentException("--engines takes java and native, got " + engine);
        };
    }

    private WarmResult report(WarmResult result) {
        console.printf(Locale.ROOT, "  %s: %.1f tok/s, returning TTFT p50 %.0f ms as the client sees it, peak RSS %.0f MiB (%.0f s, "
                        + "load average %.1f -> %.1f)%n", result.engine(), result.tokensPerSecond(),
                result.returningPercentile(WarmSample::clientFirstTokenMs, 50), result.peakRssBytes() / 1048576.0,
                result.wallSeconds(), result.loadStart(), result.loadEnd());
        return result;
    }
}
