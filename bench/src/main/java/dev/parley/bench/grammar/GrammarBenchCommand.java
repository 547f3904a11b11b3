package dev.parley.bench.grammar;

import dev.parley.bench.BenchOptions;
import dev.parley.models.LlamaLibraryStore;
import dev.parley.worker.engine.cpp.NativeEngine;
import dev.parley.worker.engine.cpp.NativeEngineConfig;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code parley bench grammar}: what grammar-constrained sampling costs. The native engine in this process answers
 * the same prompts unconstrained, as any JSON object and under a small JSON schema, in rounds that alternate the
 * three, and prints each constrained run's decode speed as a ratio of the unconstrained run of the same round.
 */
@Command(name = "grammar", mixinStandardHelpOptions = true,
        description = "Throughput of grammar-constrained sampling (json_object, json_schema) against unconstrained "
                + "sampling of the same prompts, same engine, same run; prints ratios.")
public final class GrammarBenchCommand implements Callable<Integer> {

    @Mixin
    BenchOptions options;

    @Option(names = "--conversations", defaultValue = "4",
            description = "conversations at once, also the engine's slots (default ${DEFAULT-VALUE})")
    int conversations;

    @Option(names = "--requests", defaultValue = "8",
            description = "requests per conversation and mode in each round (default ${DEFAULT-VALUE})")
    int requests;

    @Option(names = "--rounds", defaultValue = "2", description = "rounds of the three modes (default ${DEFAULT-VALUE})")
    int rounds;

    @Option(names = "--max-tokens", defaultValue = "96", description = "token budget per answer (default ${DEFAULT-VALUE})")
    int maxTokens;

    @Option(names = "--temperature", defaultValue = "0.7", description = "default ${DEFAULT-VALUE}")
    double temperature;

    @Option(names = "--threads", description = "CPU threads (default: the engine's default)")
    Integer threads;

    private final PrintStream console = System.out;

    public static void main(String[] args) {
        System.exit(new CommandLine(new GrammarBenchCommand()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Path model = options.modelFile();
        Path libraries = LlamaLibraryStore.standard(System.getenv()).resolve(System.getenv(LlamaLibraryStore.DIR_ENV));
        NativeEngineConfig config = NativeEngineConfig.forModel(model, libraries).withSlots(conversations)
                .withContextPerSlot(options.contextPerSlot())
                .withThreads(threads != null ? threads : NativeEngineConfig.defaultThreads());
        List<GrammarRun> runs = new ArrayList<>();
        try (NativeEngine engine = NativeEngine.load(config)) {
            console.printf(Locale.ROOT, "grammar bench: %s, %d slots, %d threads, %d cores, %d requests per "
                            + "conversation and mode, %d rounds, max %d tokens, temperature %.2f%n", model.getFileName(),
                    conversations, config.threads(), Runtime.getRuntime().availableProcessors(), requests, rounds,
                    maxTokens, temperature);
            new GrammarWorkload(engine, Math.min(2, conversations), 1, 8, temperature).run(Mode.TEXT, 0); // warm-up
            for (int round = 1; round <= rounds; round++) {
                for (Mode mode : Mode.values()) {
                    GrammarRun run = new GrammarWorkload(engine, conversations, requests, maxTokens, temperature)
                            .run(mode, round);
                    runs.add(run);
                    console.println("  " + run.line(baseline(runs, round)));
                }
            }
        }
        String report = GrammarRun.markdown(model.getFileName().toString(), conversations, requests, maxTokens,
                temperature, runs);
        Files.writeString(options.out().resolve("grammar-bench.md"), report, StandardCharsets.UTF_8);
        console.println("wrote " + options.out().resolve("grammar-bench.md"));
        return 0;
    }

    static GrammarRun baseline(List<GrammarRun> runs, int round) {
        return runs.stream().filter(r -> r.round() == round && r.mode() == Mode.TEXT).findFirst().orElseThrow();
    }
}
