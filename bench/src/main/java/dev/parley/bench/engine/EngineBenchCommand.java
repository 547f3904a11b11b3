package dev.parley.bench.engine;

import dev.parley.bench.LlamaLibraryOptions;
import dev.parley.bench.warm.InProcessWarm;
import dev.parley.schemas.GenerationParams;
import dev.parley.testkit.ParleyInfra;
import dev.parley.worker.engine.EngineLimits;
import dev.parley.worker.engine.Sampling;
import dev.parley.worker.engine.cpp.DeviceSized;
import dev.parley.worker.engine.cpp.DeviceSamplingMode;
import dev.parley.worker.engine.cpp.GapPadding;
import dev.parley.worker.engine.cpp.KvLayout;
import dev.parley.worker.engine.cpp.NativeEngine;
import dev.parley.worker.engine.cpp.NativeEngineConfig;
import dev.parley.worker.engine.cpp.StepProfile;
import dev.parley.worker.engine.gpu.LibrarySelection;
import dev.parley.worker.engine.llama.KvCacheType;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code parley bench engine}: the native engine alone, in this process (no Kafka, no Redis), driven by N
 * concurrent closed-loop conversations for each N asked for. Every turn generates exactly {@code --tokens} tokens
 * (end of generation ignored), so random-weight models of real shapes measure what real ones would.
 */
@Command(name = "engine", mixinStandardHelpOptions = true,
        description = "The native engine in-process: N concurrent closed-loop conversations per N, fixed-length "
                + "answers; prints aggregate and per-sequence decode tokens/s and time to first token.")
public final class EngineBenchCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "GGUF file")
    Path model;

    @Mixin
    LlamaLibraryOptions libraryOptions;

    @Option(names = "--gpu-layers", defaultValue = "-1", description = "-1 all (default), 0 none, or a count")
    int gpuLayers;

    @Option(names = "--gpu-device", defaultValue = "-1", description = "the one GPU to use; -1 splits over all")
    int gpuDevice;

    @Option(names = "--concurrency", split = ",", defaultValue = "1,8,32,64",
            description = "conversations at once, one run each (default ${DEFAULT-VALUE}); slots = the largest")
    List<Integer> concurrency;

    @Option(names = "--turns", defaultValue = "3", description = "turns per conversation (default ${DEFAULT-VALUE})")
    int turns;

    @Option(names = "--tokens", defaultValue = "128", description = "tokens per answer (default ${DEFAULT-VALUE})")
    int tokens;

    @Option(names = "--prompt-chars", defaultValue = "256",
            description = "characters of each user message (default ${DEFAULT-VALUE})")
    int promptChars;

    @Option(names = "--context-per-slot", defaultValue = "2048", description = "default ${DEFAULT-VALUE}")
    int contextPerSlot;

    @Option(names = "--batch-size", defaultValue = "2048", description = "n_batch (default ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--micro-batch-size", defaultValue = "0", description = "n_ubatch (default: 512, at most the batch)")
    int microBatch;

    @Option(names = "--prefill-chunk", defaultValue = "256",
            description = "most prompt tokens per step (default ${DEFAULT-VALUE}; the engine caps it at batch - slots)")
    int prefillChunk;

    @Option(names = "--kv-cache-type", defaultValue = "f16", description = "f16, q8_0, q4_0 (default ${DEFAULT-VALUE})")
    String cacheType;

    @Option(names = "--kv-layout", defaultValue = "per-sequence",
            description = "per-sequence or unified (default ${DEFAULT-VALUE})")
    String kvLayout;

    @Option(names = "--threads", description = "CPU threads (default: all cores)")
    Integer threads;

    @Option(names = "--no-thread-pool", description = "let ggml start and join its threads for every graph run "
            + "instead of keeping a pool for the engine's life (to measure what the pool saves)")
    boolean noThreadPool;

    @Option(names = "--device-sampling", defaultValue = "auto", description = "on: sample on the device inside the "
            + "decode (llama.cpp's backend samplers), off: on the host from the copied logits, sampled: on the device "
            + "but plain greedy turns on the host, auto (default): sampled when the model is on a GPU, else off; run "
            + "the bench once with each to compare")
    String deviceSampling;

    @Option(names = "--gap-padding", defaultValue = "auto", description = "on: fill the gaps between a step's "
            + "sequences so the step is one graph run, off: leave them, auto (default): on when the model is on a GPU")
    String gapPadding;

    @Option(names = "--temperature", defaultValue = "0", description = "0 greedy (default); else sampled at this "
            + "temperature with --top-p, seeded per conversation and turn (the levels, not --warm-conversations)")
    double temperature;

    @Option(names = "--top-p", defaultValue = "0.95", description = "top-p of sampled runs (default ${DEFAULT-VALUE})")
    double topP;

    @Option(names = "--repeat-penalty", defaultValue = "1", description = "repeat penalty over the last 64 tokens "
            + "(default ${DEFAULT-VALUE}: off; the worker's default for prompts is 1.1)")
    double repeatPenalty;

    @Option(names = "--presence-penalty", defaultValue = "0", description = "presence penalty (default ${DEFAULT-VALUE})")
    double presencePenalty;

    @Option(names = "--frequency-penalty", defaultValue = "0", description = "frequency penalty (default ${DEFAULT-VALUE})")
    double frequencyPenalty;

    @Option(names = "--logit-bias-tokens", defaultValue = "0", description = "bias this many token ids (1, 2, ...) by "
            + "-1 in every answer, to time llama.cpp's logit-bias sampler (default ${DEFAULT-VALUE}, at most 300)")
    int logitBiasTokens;

    @Option(names = "--logprobs", description = "ask for the log probability of every token with this many of the "
            + "most likely tokens besides (0-20), to time what reporting them adds to a step (default: none)")
    Integer logprobs;

    @Option(names = "--through-kafka", description = "also run each level end to end (SDK, in-process broker, Redis, "
            + "a worker over an engine of the same settings) and report its aggregate as a ratio to the in-process run")
    private boolean throughKafka;

    @Option(names = "--warm-conversations", defaultValue = "0", description = "instead of the levels: the warm "
            + "workload of parley bench warm (this many conversations on slots = the largest --concurrency, turns "
            + "interleaved) on the engine in this process, then on --llama-server; 0 (default) runs the levels")
    int warmConversations;

    @Option(names = "--warm-turns", defaultValue = "6", description = "turns per warm conversation (default ${DEFAULT-VALUE})")
    int warmTurns;

    @Option(names = "--warm-tokens", defaultValue = "24", description = "tokens per warm answer (default ${DEFAULT-VALUE})")
    int warmTokens;

    @Option(names = "--llama-server", description = "llama-server binary, the baseline of --warm-conversations "
            + "(same model, slots, context, threads, KV type; --cache-ram = the snapshot budget)")
    Path llamaServer;

    @Option(names = "--llama-server-arg", description = "extra argument for llama-server, repeatable (e.g. -ngl=99)")
    List<String> llamaServerArgs = new ArrayList<>();

    @Option(names = "--out", defaultValue = "bench-results", description = "folder for engine-bench.md (default ${DEFAULT-VALUE})")
    Path out;

    private final PrintStream console = System.out;

    public static void main(String[] args) {
        System.exit(new CommandLine(new EngineBenchCommand()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if (microBatch == 0) {
            microBatch = Math.min(512, batch);
        }
        int slots = concurrency.stream().mapToInt(Integer::intValue).max().orElse(1);
        LibrarySelection libraries = libraryOptions.select();
        NativeEngineConfig config = engineConfig(slots, libraries);
        if (warmConversations > 0) {
            try (WarmedEngine warmed = WarmedEngine.load(config, slots)) {
                printSetup(config, libraries, slots, warmed.loadSeconds());
                NativeEngine engine = warmed.engine();
                // the budget the device chose (a share of host RAM on a GPU), published by the warm-up's steps
                long snapshotBytes = engine.kvCacheStats().budgetBytes() > 0
                        ? engine.kvCacheStats().budgetBytes() : config.snapshotBytes();
                new InProcessWarm(model, warmConversations, warmTurns, warmTokens, slots, contextPerSlot, out, console)
                        .run(engine, config.threads(), cacheType, snapshotBytes >> 20,
                                config.ignoreEndOfGeneration(), llamaServer, llamaServerArgs);
            }
            return 0;
        }
        runLevels(config, libraries, slots);
        return 0;
    }

    private NativeEngineConfig engineConfig(int slots, LibrarySelection libraries) {
        NativeEngineConfig config = NativeEngineConfig.forModel(model, libraries.dir())
                .withSlots(slots).withContextPerSlot(contextPerSlot)
                .withCacheType(KvCacheType.parse(cacheType))
                .withThreads(threads != null ? threads : NativeEngineConfig.defaultThreads())
                .withBatch(batch, microBatch)
                .withPrefillChunk(prefillChunk)
                .withGpu(libraries.gpuAllowed() ? gpuLayers : 0, gpuDevice, libraries.gpuRequired())
                .withIgnoreEndOfGeneration(true)
                .withKvLayout(KvLayout.parse(kvLayout))
                .withThreadPool(!noThreadPool)
                .withDeviceSized(EnumSet.of(DeviceSized.SNAPSHOT_BYTES)) // as a worker's: a share of RAM on a GPU
                .withDeviceSampling(DeviceSamplingMode.parse(deviceSampling))
                .withGapPadding(GapPadding.parse(gapPadding));
        if (config.gpuLayers() < EngineLimits.ALL_GPU_LAYERS) {
            throw new IllegalArgumentException("--gpu-layers must be >= -1");
        }
        return config;
    }

    private void printSetup(NativeEngineConfig config, LibrarySelection libraries, int slots, double loadSeconds) {
        console.printf(Locale.ROOT, "engine bench: %s, %s (%s), %d slots x %d, batch %d/%d, prefill chunk %d, KV %s %s, "
                        + "%d threads %s, %s, device sampling %s, CPU %s, loaded in %.1f s%n",
                model.getFileName(), libraries.dir(), libraries.source(), slots, contextPerSlot, batch, microBatch,
                prefillChunk, cacheType, kvLayout, config.threads(), noThreadPool ? "per graph run" : "pooled",
                (temperature > 0 ? "temperature " + temperature + " top-p " + topP : "greedy") + " " + penalties()
                        + (logitBiasTokens > 0 ? " logit bias on " + logitBiasTokens + " tokens" : "")
                        + (logprobs != null ? " logprobs with " + logprobs + " alternatives" : ""),
                deviceSampling, CpuModel.name(),
                loadSeconds);
    }

    /**
     * One closed-loop run per concurrency level (and through Kafka when asked), then engine-bench.md. Each run gets an
     * engine of its own, freshly loaded: on a shared one, the conversations an earlier run left warm would be evicted
     * (and snapshotted) by the next run's, which would then pay for them (at 128 after 32 and 64, 98 snapshots).
     */
    private void runLevels(NativeEngineConfig config, LibrarySelection libraries, int slots) throws Exception {
        List<EngineRun> runs = new ArrayList<>();
        List<KafkaClosedLoop.Result> kafkaRuns = new ArrayList<>();
        double loadSeconds = Double.NaN;
        try (ParleyInfra infra = throughKafka ? ParleyInfra.start() : null) {
            for (int n : concurrency) {
                try (WarmedEngine warmed = WarmedEngine.load(config, slots)) {
                    if (runs.isEmpty()) {
                        loadSeconds = warmed.loadSeconds();
                        printSetup(config, libraries, slots, loadSeconds);
                    }
                    runs.add(runLevel(warmed.engine(), n));
                }
                if (infra != null) {
                    try (WarmedEngine warmed = WarmedEngine.load(config, slots)) {
                        KafkaClosedLoop.Result kafka = new KafkaClosedLoop(infra, warmed.engine())
                                .run(n, turns, kafkaParams(), promptChars, "k" + n);
                        kafkaRuns.add(kafka);
                        console.println("  " + kafka.line(runs.get(runs.size() - 1)));
                    }
                }
            }
        }
        String report = EngineRun.markdown(model.getFileName().toString(), libraries.dir().toString(), slots,
                contextPerSlot, batch, microBatch, cacheType, turns, tokens, promptChars, loadSeconds, runs)
                + KafkaClosedLoop.markdown(runs, kafkaRuns);
        Files.createDirectories(out);
        Files.writeString(out.resolve("engine-bench.md"), report, StandardCharsets.UTF_8);
    }

    private EngineRun runLevel(NativeEngine engine, int n) throws Exception {
        StepProfile.Totals before = engine.stepProfile();
        EngineRun run = new ClosedLoopEngine(engine, n, turns, tokens, promptChars, "c" + n)
                .sampled(temperature, topP).shaped(penalties(), logitBias()).withLogprobs(logprobs).run();
        console.println("  " + run.line());
        console.println("    engine steps: " + engine.stepProfile().since(before).line() + "; evictions "
                + run.evictions());
        return run;
    }

    /** What each prompt sent through Kafka asks for: the in-process run's sampling and penalties (not its bias). */
    GenerationParams kafkaParams() {
        GenerationParams params = GenerationParams.DEFAULTS.withMaxTokens(tokens).withTemperature(temperature)
                .withRepeatPenalty(repeatPenalty).withPresencePenalty(presencePenalty)
                .withFrequencyPenalty(frequencyPenalty);
        return temperature > 0 ? params.withTopP(topP) : params;
    }

    private Sampling.Penalties penalties() {
        return new Sampling.Penalties(repeatPenalty, presencePenalty, frequencyPenalty);
    }

    private Map<Integer, Double> logitBias() {
        if (logitBiasTokens < 0 || logitBiasTokens > GenerationParams.MAX_LOGIT_BIAS) {
            throw new IllegalArgumentException("--logit-bias-tokens must be in [0, " + GenerationParams.MAX_LOGIT_BIAS
                    + "], got " + logitBiasTokens);
        }
        Map<Integer, Double> bias = new TreeMap<>();
        for (int token = 1; token <= logitBiasTokens; token++) {
            bias.put(token, -1.0);
        }
        return bias;
    }
}
