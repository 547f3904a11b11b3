package dev.parley.bench.warm;

import dev.parley.bench.BenchOptions;
import dev.parley.bench.WorkloadOptions;
import dev.parley.testkit.ParleyInfra;
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
 * {@code parley bench restart}: conversations build histories past 1K tokens through a native worker process, the
 * worker is killed with SIGKILL and started again (same static membership), and each conversation's next turn is
 * timed. Twice in the same run: with the disk tier, and without it (every next turn re-prefilled from Redis).
 */
@Command(name = "restart", mixinStandardHelpOptions = true,
        description = "Benchmark: warm restarts. Conversations with histories past 1K tokens, the worker SIGKILLed and "
                + "restarted, then each conversation's next turn, one at a time: time to first token with the disk "
                + "tier against without it, same run. ~15 minutes on 2 cores with the defaults.")
public final class RestartBenchCommand implements Callable<Integer> {

    @Mixin
    WorkloadOptions shape = new WorkloadOptions(12, 6, 24, 4);

    @Option(names = "--kv-cache-type", defaultValue = "f16", description = "f16, q8_0, q4_0 (default ${DEFAULT-VALUE})")
    String cacheType;

    @Option(names = "--modes", split = ",", defaultValue = "disk,cold",
            description = "Runs, in order: disk (with --kv-disk-dir), cold (without) (default ${DEFAULT-VALUE})")
    List<String> modes = new ArrayList<>();

    @Mixin
    BenchOptions options;

    private final PrintStream console = System.out;

    @Override
    public Integer call() throws Exception {
        Path model = options.modelFile();
        Path out = options.out();
        WarmWorkload workload = new WarmWorkload(shape.conversations(), shape.turns(), shape.maxTokens());
        int slots = shape.slots();
        String setting = String.format(Locale.ROOT, "%d cores, Java %d. Model `%s`, KV cache %s. %d conversations x "
                        + "%d turns (~170 new tokens a turn, answers of up to %d tokens, greedy) through one worker "
                        + "process with %d slots of %d tokens; SIGKILL, restart with the same group-instance-id, then "
                        + "turn %d of each conversation, one at a time.",
                Runtime.getRuntime().availableProcessors(), Runtime.version().feature(), model.getFileName(),
                cacheType, workload.conversations(), workload.turns(), workload.maxTokens(), slots, options.contextPerSlot(),
                workload.turns() + 1);
        console.println("Restart benchmark: " + setting);
        List<RestartRunner.Result> results = new ArrayList<>();
        try (ParleyInfra infra = ParleyInfra.start()) {
            RestartRunner runner = new RestartRunner(infra, model, workload, slots, options.contextPerSlot(),
                    cacheType, out, console);
            for (String mode : modes) {
                if (!mode.equals("disk") && !mode.equals("cold")) {
                    throw new IllegalArgumentException("--modes takes disk and cold, got " + mode);
                }
                console.printf(Locale.ROOT, "  %s...%n", mode);
                RestartRunner.Result result = runner.run(mode.equals("disk"));
                console.println("  " + result.line());
                results.add(result);
            }
        }
        String report = RestartRunner.markdown(setting, results);
        Files.writeString(out.resolve("restart.md"), report, StandardCharsets.UTF_8);
        console.println();
        console.println(report);
        return 0;
    }
}
