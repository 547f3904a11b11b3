package dev.parley.bench.lanes;

import dev.parley.bench.BenchOptions;
import dev.parley.testkit.ParleyInfra;
import dev.parley.bench.LlamaLibraryOptions;
import dev.parley.worker.engine.cpp.NativeEngineConfig;
import dev.parley.worker.engine.cpp.NativeLanes;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
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
 * {@code parley bench lanes}: interactive time to first token while a batch flood fills the same worker, against the
 * same interactive load on an idle worker, in one run: lanes with preemption, lanes without preemption, and no lanes
 * (the flood sent as interactive). Every mode gets a fresh worker and fresh topics on the same broker and Redis, the
 * same model and settings.
 */
@Command(name = "lanes", mixinStandardHelpOptions = true,
        description = "Benchmark: interactive time to first token p50/p95 while a batch flood fills the same worker, "
                + "against an idle worker: with lanes and preemption, lanes only, and no lanes. A few minutes on 2 cores.")
public final class LanesBenchCommand implements Callable<Integer> {

    @Option(names = "--batch", defaultValue = "500", description = "Batch prompts in the flood (default ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--interactive", defaultValue = "20", description = "Interactive prompts per mode (default ${DEFAULT-VALUE})")
    int interactive;

    @Option(names = "--interval-ms", defaultValue = "1000",
            description = "Between interactive prompts, each a new conversation (default ${DEFAULT-VALUE})")
    long intervalMillis;

    @Option(names = "--max-tokens", defaultValue = "16", description = "Tokens per answer, batch and interactive (default ${DEFAULT-VALUE})")
    int maxTokens;

    @Option(names = "--slots", defaultValue = "4", description = "Engine slots (default ${DEFAULT-VALUE})")
    int slots;

    @Option(names = "--skip-no-lanes", description = "Leave out the mode without lanes (its interactive prompts wait behind the flood)")
    boolean skipNoLanes;

    @Mixin
    BenchOptions options;

    private final PrintStream console = System.out;

    @Override
    public Integer call() throws Exception {
        Path model = options.modelFile();
        Path libraries = LlamaLibraryOptions.cpu().dir();
        NativeEngineConfig engine = NativeEngineConfig.forModel(model, libraries).withSlots(slots)
                .withContextPerSlot(options.contextPerSlot()).withIgnoreEndOfGeneration(true);
        String setting = String.format(Locale.ROOT, "%d cores, Java %d. Model `%s`, native engine, %d slots. Flood: "
                        + "%d batch prompts published at once; interactive: %d prompts, one every %d ms, each a new "
                        + "conversation; every answer exactly %d tokens (end of generation ignored), greedy.",
                Runtime.getRuntime().availableProcessors(), Runtime.version().feature(), model.getFileName(), slots,
                batch, interactive, intervalMillis, maxTokens);
        console.println("Lanes benchmark: " + setting);
        LanesWorkload workload = new LanesWorkload(batch, interactive, intervalMillis, maxTokens);
        List<LanesResult> results = new ArrayList<>();
        try (ParleyInfra infra = ParleyInfra.start()) {
            LanesRun run = new LanesRun(infra, engine, workload, console);
            LanesResult idle = run.measure("idle worker (baseline)", NativeLanes.DEFAULT, LanesRun.Flood.NONE);
            results.add(idle);
            results.add(run.measure("flood, lanes + preemption", NativeLanes.DEFAULT, LanesRun.Flood.BATCH));
            results.add(run.measure("flood, lanes, no preemption", NativeLanes.DEFAULT.withoutPreemption(),
                    LanesRun.Flood.BATCH));
            if (!skipNoLanes) {
                results.add(run.measure("flood, no lanes (all interactive)", NativeLanes.DEFAULT,
                        LanesRun.Flood.AS_INTERACTIVE));
            }
            String report = LanesResult.markdown(setting, idle, results);
            console.println();
            console.println(report);
            Path file = options.out().resolve("lanes.md");
            Files.writeString(file, report, StandardCharsets.UTF_8);
            console.println("Written to " + file);
        }
        return 0;
    }
}
