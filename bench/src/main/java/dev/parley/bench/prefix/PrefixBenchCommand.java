package dev.parley.bench.prefix;

import dev.parley.bench.Stats;
import dev.parley.bench.LlamaLibraryOptions;
import dev.parley.worker.engine.Generation;
import dev.parley.worker.engine.KvCacheStats;
import dev.parley.worker.engine.PrefixCacheStats;
import dev.parley.worker.engine.cpp.NativeEngine;
import dev.parley.worker.engine.cpp.NativeEngineConfig;
import dev.parley.worker.engine.cpp.NativeLanes;
import dev.parley.worker.engine.cpp.PrefixSharing;
import dev.parley.worker.engine.cpp.StepProfile;
import dev.parley.worker.engine.disk.DiskTierConfig;
import dev.parley.worker.engine.gpu.LibrarySelection;
import dev.parley.worker.engine.llama.KvCacheType;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code parley bench prefix}: new conversations with a common long system prompt, first turns only, on the native
 * engine in this process (no Kafka, no Redis: what is measured is the engine's prefill), once without prefix sharing
 * and once with it, one after the other in the same run; prints both and the ratio of their time to first token.
 */
@Command(name = "prefix", mixinStandardHelpOptions = true,
        description = "Shared prompt prefixes: N new conversations with a common system prompt of about T tokens, "
                + "first-turn time to first token without and with sharing (native engine, in-process), and the ratio.")
public final class PrefixBenchCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "GGUF file")
    Path model;

    @Mixin
    LlamaLibraryOptions libraryOptions;

    @Option(names = "--conversations", defaultValue = "64", description = "new conversations (default ${DEFAULT-VALUE})")
    int conversations;

    @Option(names = "--baseline-conversations", defaultValue = "0",
            description = "conversations of the run without sharing (default: as many as --conversations); every one "
                    + "computes its whole prompt, so a smaller sample gives the same distribution in less time")
    int baselineConversations;

    @Option(names = "--system-tokens", defaultValue = "1000",
            description = "tokens of the common system prompt, about (default ${DEFAULT-VALUE})")
    int systemTokens;

    @Option(names = "--slots", defaultValue = "4",
            description = "sequences, and conversations in flight at once (default ${DEFAULT-VALUE})")
    int slots;

    @Option(names = "--tokens", defaultValue = "8", description = "tokens per answer (default ${DEFAULT-VALUE})")
    int tokens;

    @Option(names = "--question-chars", defaultValue = "80",
            description = "characters of each conversation's own question (default ${DEFAULT-VALUE})")
    int questionChars;

    @Option(names = "--context-per-slot", defaultValue = "2048", description = "default ${DEFAULT-VALUE}")
    int contextPerSlot;

    @Option(names = "--kv-cache-type", defaultValue = "f16", description = "f16, q8_0, q4_0 (default ${DEFAULT-VALUE})")
    String cacheType;

    @Option(names = "--threads", description = "CPU threads (default: all cores)")
    Integer threads;

    @Option(names = "--out", defaultValue = "bench-results", description = "folder for prefix-bench.md (default ${DEFAULT-VALUE})")
    Path out;

    private final PrintStream console = System.out;

    public static void main(String[] args) {
        System.exit(new CommandLine(new PrefixBenchCommand()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        LibrarySelection libraries = libraryOptions.select();
        NativeEngineConfig config = NativeEngineConfig.forModel(model, libraries.dir())
                .withSlots(slots).withContextPerSlot(contextPerSlot)
                .withCacheType(KvCacheType.parse(cacheType))
                .withThreads(threads != null ? threads : NativeEngineConfig.defaultThreads())
                .withGpu(libraries.gpuAllowed() ? -1 : 0, NativeEngineConfig.ALL_GPUS, libraries.gpuRequired())
                .withIgnoreEndOfGeneration(true);
        PrefixRun without = run(config, PrefixSharing.OFF, "without sharing",
                baselineConversations > 0 ? baselineConversations : conversations);
        PrefixRun with = run(config, PrefixSharing.DEFAULT, "with sharing", conversations);
        String ratios = String.format(Locale.ROOT, "with / without: TTFT p50 %.3fx, p95 %.3fx, mean %.3fx",
                with.ttftMillis(50) / without.ttftMillis(50), with.ttftMillis(95) / without.ttftMillis(95),
                with.meanTtftMillis() / without.meanTtftMillis());
        console.println(ratios);
        Files.createDirectories(out);
        Files.writeString(out.resolve("prefix-bench.md"), markdown(without, with, ratios), StandardCharsets.UTF_8);
        return 0;
    }

    private PrefixRun run(NativeEngineConfig config, PrefixSharing sharing, String label, int count)
            throws Exception {
        try (NativeEngine engine = NativeEngine.load(config, sharing, DiskTierConfig.OFF, NativeLanes.DEFAULT)) {
            String system = SharedPrefixWorkload.systemPrompt(systemTokens, text -> engine.tokenize(text).length);
            // A warm-up with another system prompt, so first-call costs are paid before anything is timed.
            new SharedPrefixWorkload("You are a warm-up.", Math.min(slots, 2), slots, 2, 16).run(engine, "warmup");
            StepProfile.Totals before = engine.stepProfile();
            KvCacheStats kvBefore = engine.kvCacheStats();
            List<SharedPrefixWorkload.FirstTurn> turns = new SharedPrefixWorkload(system, count, slots, tokens,
                    questionChars).run(engine, engine::stepProfile, label.replace(' ', '-'));
            PrefixRun run = new PrefixRun(label, turns, engine.prefixCacheStats(), engine.tokenize(system).length,
                    engine.stepProfile().since(before), engine.kvCacheStats().snapshotsSaved() - kvBefore.snapshotsSaved());
            console.println(run.line());
            console.println("    " + run.workLine());
            console.println("    engine steps: " + run.steps().line());
            return run;
        }
    }

    private String markdown(PrefixRun without, PrefixRun with, String ratios) {
        StringBuilder md = new StringBuilder("# parley bench prefix\n\n");
        md.append(String.format(Locale.ROOT, "Model `%s`, native engine in-process, %d slots x %d tokens, KV %s; new "
                        + "conversations, %d at a time, a common system prompt of %d tokens, %d-character questions, "
                        + "%d tokens per answer.%n%n", model.getFileName(), slots, contextPerSlot, cacheType,
                slots, without.systemTokens(), questionChars, tokens));
        md.append("| run | conversations | first-turn TTFT p50 ms | p95 ms | mean ms | prompt tokens | computed | from shared prefix "
                + "| prefix hits | misses | prefix bytes |\n|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (PrefixRun run : List.of(without, with)) {
            md.append(run.row()).append('\n');
        }
        md.append('\n').append(ratios).append("\n\n");
        for (PrefixRun run : List.of(without, with)) {
            md.append("- ").append(run.label()).append(": ").append(run.workLine()).append("; engine steps: ")
                    .append(run.steps().line()).append('\n');
        }
        return md.toString();
    }

    /**
     * One run's first turns, its prefix counters, the engine's steps over the run and the snapshots it took of
     * sequences handed to another conversation.
     */
    record PrefixRun(String label, List<SharedPrefixWorkload.FirstTurn> turns, PrefixCacheStats stats,
                     int systemTokens, StepProfile.Totals steps, long snapshotsSaved) {

        List<Generation> generations() {
            return turns.stream().map(SharedPrefixWorkload.FirstTurn::generation).toList();
        }

        /** The median over the turns of a count of the engine's work from a request to its first text. */
        private double medianUntilFirstText(java.util.function.ToLongFunction<StepProfile.Totals> count) {
            return Stats.median(turns.stream().mapToDouble(t -> count.applyAsLong(t.untilFirstText())).toArray());
        }

        /**
         * The engine's work behind a first turn's time to first token, in counts rather than time: the turn's own
         * prompt tokens, and the steps and tokens (all turns') the engine computed from its request to its first
         * text; the queue; the snapshots taken.
         */
        String workLine() {
            return String.format(Locale.ROOT, "per first turn (p50): %.0f prompt tokens computed, %.0f llama_decode "
                            + "calls and %.0f tokens (all turns') from request to first text, %.0f micro-batches; of the "
                            + "TTFT, %.1f ms before a sequence took the turn and %.1f ms from there; %d sequence snapshots "
                            + "taken over the run", Stats.median(generations().stream()
                            .mapToDouble(Generation::computedTokens).toArray()),
                    medianUntilFirstText(StepProfile.Totals::steps), medianUntilFirstText(StepProfile.Totals::tokens),
                    medianUntilFirstText(StepProfile.Totals::microBatches),
                    Stats.median(generations().stream().mapToDouble(g -> g.queuedNanos() / 1e6).toArray()),
                    Stats.median(generations().stream().mapToDouble(g -> g.startedToFirstTokenNanos() / 1e6)
                            .toArray()), snapshotsSaved);
        }

        double ttftMillis(double percentile) {
            return Stats.percentile(generations().stream().mapToDouble(g -> g.firstTokenNanos() / 1e6).toArray(),
                    percentile);
        }

        double meanTtftMillis() {
            return generations().stream().mapToDouble(g -> g.firstTokenNanos() / 1e6).average().orElse(Double.NaN);
        }

        private long sum(java.util.function.ToLongFunction<Generation> field) {
            return generations().stream().mapToLong(field).sum();
        }

        String line() {
            return String.format(Locale.ROOT, "%-16s TTFT p50 %8.1f ms  p95 %8.1f ms  mean %8.1f ms  computed %d of %d "
                            + "prompt tokens, %d from the shared prefix (hits %d, misses %d)", label, ttftMillis(50),
                    ttftMillis(95), meanTtftMillis(), sum(Generation::computedTokens), sum(Generation::promptTokens),
                    sum(Generation::prefixTokens), stats.hits(), stats.misses());
        }

        String row() {
            return String.format(Locale.ROOT, "| %s | %d | %.1f | %.1f | %.1f | %d | %d | %d | %d | %d | %d |", label,
                    turns.size(), ttftMillis(50), ttftMillis(95), meanTtftMillis(), sum(Generation::promptTokens),
                    sum(Generation::computedTokens), sum(Generation::prefixTokens), stats.hits(), stats.misses(),
                    stats.bytes());
        }
    }
}
