package dev.parley.bench.kv;

import dev.parley.bench.BenchOptions;
import dev.parley.bench.LlamaLibraryOptions;
import dev.parley.worker.engine.llama.KvCacheType;
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
 * {@code parley bench kv}: the native engine in this process (no Kafka, no Redis), per KV cache type: the bytes of a
 * conversation's KV snapshot per token (in RAM and on disk), the time to write and to read a snapshot file, and a
 * returning turn's time to first token restored from disk against the same turn computed from its history, in the
 * same run. The figures for sizing --kv-snapshot-bytes and --kv-disk-bytes and for deciding on handovers.
 */
@Command(name = "kv", mixinStandardHelpOptions = true,
        description = "Native engine in-process, per KV cache type: snapshot bytes per token (RAM and file), file "
                + "write and read times, and a returning turn's time to first token from a disk snapshot against a "
                + "re-prefill of the same history. A few minutes on 2 cores.")
public final class KvBenchCommand implements Callable<Integer> {

    @Option(names = "--types", split = ",", defaultValue = "f16,q8_0,q4_0",
            description = "KV cache types (default ${DEFAULT-VALUE})")
    List<String> types = new ArrayList<>();

    @Option(names = "--conversations", defaultValue = "4",
            description = "Conversations per type, each measured once (default ${DEFAULT-VALUE})")
    int conversations;

    @Option(names = "--history-tokens", defaultValue = "1200",
            description = "About this many tokens of history before the measured turn (default ${DEFAULT-VALUE})")
    int historyTokens;

    @Option(names = "--threads", description = "CPU threads (default: all cores)")
    Integer threads;

    @Mixin
    BenchOptions options;

    private final PrintStream console = System.out;

    @Override
    public Integer call() throws Exception {
        Path model = options.modelFile();
        Path out = options.out();
        Path libraries = LlamaLibraryOptions.cpu().dir();
        String setting = String.format(Locale.ROOT, "%d cores, Java %d, CPU only. Model `%s`, one sequence of %d "
                        + "tokens, %d conversations per KV type with ~%d tokens of history, greedy answers of 8 tokens.",
                Runtime.getRuntime().availableProcessors(), Runtime.version().feature(), model.getFileName(),
                options.contextPerSlot(), conversations, historyTokens);
        console.println("KV snapshot benchmark: " + setting);
        List<KvRun.Result> results = new ArrayList<>();
        if (conversations < 2) {
            throw new IllegalArgumentException("--conversations must be >= 2 (one stays in the sequence), got "
                    + conversations);
        }
        for (String type : types) {
            KvCacheType cacheType = KvCacheType.parse(type);
            console.printf(Locale.ROOT, "  %s...%n", cacheType);
            KvRun run = new KvRun(model, libraries, cacheType, options.contextPerSlot(), threads, conversations,
                    historyTokens, out.resolve("kv-" + cacheType));
            KvRun.Result result = run.measure();
            console.println("  " + result.line());
            results.add(result);
        }
        String report = KvRun.markdown(setting, results);
        Files.writeString(out.resolve("kv.md"), report, StandardCharsets.UTF_8);
        console.println();
        console.println(report);
        return 0;
    }
}
