package dev.parley.bench.responses;

import dev.parley.bench.BenchOptions;
import dev.parley.bench.warm.WorkerProcess;
import dev.parley.client.AdmissionPolicy;
import dev.parley.gateway.Gateway;
import dev.parley.gateway.GatewayConfig;
import dev.parley.gateway.auth.ApiKeys;
import dev.parley.testkit.ParleyInfra;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code parley bench responses}: the aims of the Responses API (issue 23). A worker process with the disk tier and
 * two gateways; conversations built through {@code previous_response_id}; the gateway restarted and the worker
 * SIGKILLed and restarted; then (1) each conversation's next turn by its chain against the same turn with the history
 * resent cold (time to first token), (2) streams cut on one gateway and resumed on the other (every event counted),
 * (3) a flood of interactive requests twice the pool's capacity (answered or 429 within the deadline).
 */
@Command(name = "responses", mixinStandardHelpOptions = true,
        description = "Benchmark: the Responses API's aims. Warm previous_response_id turn after a gateway and worker "
                + "restart against the history resent cold (TTFT ratio, aim <= 0.2x); resumed streams (every event "
                + "exactly once); a flood twice the pool's capacity (answered or 429 within the deadline).")
public final class ResponsesBenchCommand implements Callable<Integer> {

    static final String MODEL = "bench-model";

    @Option(names = "--conversations", defaultValue = "2", description = "Conversations (default ${DEFAULT-VALUE})")
    int conversations;

    @Option(names = "--turns", defaultValue = "8", description = "Turns before the timed one, ~120 tokens each plus "
            + "the answer (default ${DEFAULT-VALUE}: ~1 000 tokens)")
    int turns;

    @Option(names = "--max-tokens", defaultValue = "16", description = "Tokens per answer (default ${DEFAULT-VALUE})")
    int maxTokens;

    @Option(names = "--slots", defaultValue = "2", description = "Worker slots (default ${DEFAULT-VALUE})")
    int slots;

    @Option(names = "--resumes", defaultValue = "3", description = "Streams cut and resumed (default ${DEFAULT-VALUE})")
    int resumes;

    @Option(names = "--deadline-seconds", defaultValue = "60", description = "The flood's request deadline (the "
            + "gateway's request timeout) (default ${DEFAULT-VALUE})")
    int deadlineSeconds;

    @Mixin
    BenchOptions options;

    private final PrintStream console = System.out;

    @Override
    public Integer call() throws Exception {
        Path model = options.modelFile();
        Path out = options.out();
        String run = "respbench" + ProcessHandle.current().pid();
        String key = "sk-bench-" + run;
        String setting = String.format(Locale.ROOT, "%d cores, Java %d. Model `%s`. %d conversations of %d turns "
                        + "(answers of up to %d tokens, greedy) through a worker process with %d slots and the disk "
                        + "tier; the gateway restarted and the worker SIGKILLed and restarted before the timed turns. "
                        + "Flood: %d requests at once against %d slots plus an admission bound of %d waiting turns, "
                        + "deadline %d s.", Runtime.getRuntime().availableProcessors(), Runtime.version().feature(),
                model.getFileName(), conversations, turns, maxTokens, slots, 4 * slots, slots, slots, deadlineSeconds);
        console.println("Responses benchmark: " + setting);
        ResponsesHttp http = new ResponsesHttp(key);
        try (ParleyInfra infra = ParleyInfra.start()) {
            Path kvDir = out.resolve(run + "-kv");
            List<String> flags = workerFlags(infra, model, run, kvDir);
            GatewayConfig config = gatewayConfig(infra, run, key, Duration.ofMinutes(10));
            GatewayConfig flooded = gatewayConfig(infra, run, key, Duration.ofSeconds(deadlineSeconds));
            WarmChainRun chain = new WarmChainRun(http, MODEL, turns, maxTokens);
            WorkerProcess worker = WorkerProcess.start(flags, out.resolve(run + "-worker-1.log"));
            try {
                worker.awaitReady(Duration.ofMinutes(5));
                List<WarmChainRun.Pair> pairs;
                try (Gateway first = Gateway.start(config)) {
                    awaitModel(http, first.baseUrl());
                    chain.build(first.baseUrl(), conversations);
                    console.printf(Locale.ROOT, "  %d conversations built; waiting for their snapshots on disk%n",
                            conversations);
                    awaitFiles(kvDir, conversations);
                }
                worker.kill();
                console.println("  gateway restarted, worker SIGKILLed; restarting it");
                worker = WorkerProcess.start(flags, out.resolve(run + "-worker-2.log"));
                worker.awaitReady(Duration.ofMinutes(5));
                try (Gateway a = Gateway.start(config); Gateway b = Gateway.start(config);
                     Gateway c = Gateway.start(flooded)) {
                    awaitModel(http, a.baseUrl());
                    awaitModel(http, b.baseUrl());
                    pairs = chain.nextTurns(a.baseUrl(), run);
                    console.println("  timed turns done; cutting and resuming streams");
                    ResumeCountRun.Counts resumed = new ResumeCountRun(http, MODEL).run(a.baseUrl(), b.baseUrl(),
                            resumes, 48);
                    console.println("  flooding");
                    awaitModel(http, c.baseUrl());
                    FloodRun.Counts flood = new FloodRun(http, MODEL).run(c.baseUrl(), 4 * slots, maxTokens,
                            Duration.ofSeconds(deadlineSeconds));
                    String report = ResponsesReport.markdown(setting, pairs, resumed, flood);
                    Files.writeString(out.resolve("responses.md"), report, StandardCharsets.UTF_8);
                    console.println();
                    console.println(report);
                }
            } finally {
                worker.kill();
            }
        }
        return 0;
    }

    private List<String> workerFlags(ParleyInfra infra, Path model, String run, Path kvDir) {
        return new ArrayList<>(List.of("--bootstrap", infra.bootstrapServers(), "--redis", infra.redisUri(),
                "--model", model.toString(), "--model-name", MODEL, "--models-topic", run + ".models",
                "--slots", String.valueOf(slots), "--context-per-slot", String.valueOf(options.contextPerSlot()),
                "--prompts-topic", run + ".prompts", "--replies-topic", run + ".replies", "--dlq-topic", run + ".dlq",
                "--control-topic", run + ".control", "--group-id", run, "--group-instance-id", run + "-w",
                "--worker-id", run + "-worker", "--partitions", "12",
                "--kv-disk-dir", kvDir.toString(), "--kv-disk-bytes", "4GiB"));
    }

    /** A gateway of the pool; {@code timeout} is its requests' deadline (the flood's gateway has the short one). */
    private GatewayConfig gatewayConfig(ParleyInfra infra, String run, String key, Duration timeout) {
        return GatewayConfig.builder().port(0).bootstrapServers(infra.bootstrapServers()).redisUri(infra.redisUri())
                .promptsTopic(run + ".prompts").repliesTopic(run + ".replies").controlTopic(run + ".control")
                .modelsTopic(run + ".models").models(List.of()).keys(ApiKeys.parse(List.of("bench=" + key)))
                .requestTimeout(timeout)
                .admission(new AdmissionPolicy(slots, 0, 0, true, Duration.ofSeconds(30))).build();
    }

    /** Waits until the gateway serves the worker's announced model (read from the models topic as it starts). */
    private static void awaitModel(ResponsesHttp http, String baseUrl) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (System.nanoTime() < deadline) {
            var response = http.get(baseUrl + "/models/" + MODEL);
            if (response.statusCode() == 200) {
                return;
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("the gateway did not see model " + MODEL + " announced within 2 minutes");
    }

    /** Waits until every conversation has its snapshot file (the engine writes idle sequences when it has time). */
    private static void awaitFiles(Path dir, int conversations) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (countFiles(dir) < conversations) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("fewer than " + conversations + " snapshot files in " + dir);
            }
            Thread.sleep(100); // another process's directory: nothing to wait on
        }
    }

    private static long countFiles(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".kv")).count();
        }
    }
}
