package dev.parley.bench.gateway;

import dev.parley.bench.BenchOptions;
import dev.parley.client.ParleyClient;
import dev.parley.gateway.Gateway;
import dev.parley.gateway.GatewayConfig;
import dev.parley.gateway.auth.ApiKeys;
import dev.parley.testkit.ParleyInfra;
import dev.parley.testkit.gguf.TinyLlamaModel;
import dev.parley.worker.Worker;
import dev.parley.worker.config.WorkerConfig;
import dev.parley.worker.engine.llama.LlamaCppEngine;
import dev.parley.worker.engine.llama.LlamaEngineConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code parley bench gateway}: what the OpenAI gateway adds on top of the SDK. The same worker answers both paths
 * in the same run, in alternating rounds (so warm-up and drift hit both alike): requests through the SDK, and the same
 * requests as {@code POST /v1/chat/completions} over loopback HTTP. Reports added latency at p50/p99 and the
 * throughput ratio. By default a tiny synthetic model answers, so generation time does not drown the overhead.
 */
@Command(name = "gateway", mixinStandardHelpOptions = true,
        description = "Benchmark: the OpenAI gateway against the SDK on the same workload in the same run (added "
                + "p50/p99 latency, throughput ratio). A few minutes on 2 cores.")
public final class GatewayBenchCommand implements Callable<Integer> {

    @Option(names = "--requests", defaultValue = "400", description = "Requests per path and round (default ${DEFAULT-VALUE})")
    int requests;

    @Option(names = "--rounds", defaultValue = "3", description = "Alternating rounds (default ${DEFAULT-VALUE})")
    int rounds;

    @Option(names = "--concurrency", defaultValue = "4", description = "Requests in flight (default ${DEFAULT-VALUE})")
    int concurrency;

    @Option(names = "--max-tokens", defaultValue = "8", description = "Tokens per answer (default ${DEFAULT-VALUE})")
    int maxTokens;

    @Option(names = "--real-model", description = "Answer with --model (default: a tiny synthetic model)")
    boolean realModel;

    @Mixin
    BenchOptions options;

    private final PrintStream console = System.out;

    @Override
    public Integer call() throws Exception {
        Path model = realModel ? options.modelFile() : TinyLlamaModel.writeTemp(42);
        String setting = String.format(Locale.ROOT, "%d cores, Java %d. Model `%s`. %d requests per path per round, "
                        + "%d rounds, %d in flight, answers of %d tokens, every request a new conversation.",
                Runtime.getRuntime().availableProcessors(), Runtime.version().feature(),
                realModel ? model.getFileName() : "synthetic tiny", requests, rounds, concurrency, maxTokens);
        console.println("Gateway overhead benchmark: " + setting);
        String prefix = "gwbench" + ProcessHandle.current().pid();
        String key = "sk-bench-" + prefix;
        try (ParleyInfra infra = ParleyInfra.start();
             LlamaCppEngine engine = LlamaCppEngine.load(LlamaEngineConfig.forModel(model).withSlots(4)
                     .withContextPerSlot(options.contextPerSlot()))) {
            WorkerConfig config = WorkerConfig.builder().bootstrapServers(infra.bootstrapServers())
                    .redisUri(infra.redisUri()).promptsTopic(prefix + ".prompts").repliesTopic(prefix + ".replies")
                    .deadLetterTopic(prefix + ".dlq").controlTopic(prefix + ".control").groupId(prefix)
                    .workerId("bench-worker").partitions(12).build();
            try (Worker worker = Worker.start(config, engine, new SimpleMeterRegistry());
                 ParleyClient client = ParleyClient.builder().bootstrapServers(infra.bootstrapServers())
                         .promptsTopic(config.promptsTopic()).repliesTopic(config.repliesTopic())
                         .replyTimeout(Duration.ofMinutes(5)).build();
                 Gateway gateway = Gateway.start(GatewayConfig.builder().port(0)
                         .bootstrapServers(infra.bootstrapServers()).redisUri(infra.redisUri())
                         .promptsTopic(config.promptsTopic()).repliesTopic(config.repliesTopic())
                         .controlTopic(config.controlTopic()).models(List.of("bench"))
                         .keys(ApiKeys.parse(List.of("bench=" + key))).requestTimeout(Duration.ofMinutes(5))
                         .build())) {
                OverheadRun run = new OverheadRun(client, gateway.baseUrl(), key, concurrency, maxTokens, prefix);
                run.warmUp(Math.max(20, concurrency * 4));
                OverheadResult result = new OverheadResult();
                for (int round = 1; round <= rounds; round++) {
                    result.addSdk(run.sdk(requests, round));
                    result.addGateway(run.gateway(requests, round));
                    console.printf(Locale.ROOT, "  round %d/%d done%n", round, rounds);
                }
                result.gatewayOwnTime(gateway.metrics().overheadTimer().takeSnapshot());
                String report = result.report(setting);
                console.println(report);
                Path out = options.out().resolve("gateway-overhead.md");
                Files.writeString(out, report);
                console.println("Written to " + out);
            }
        }
        return 0;
    }
}
