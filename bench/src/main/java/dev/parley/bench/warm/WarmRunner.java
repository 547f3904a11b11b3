package dev.parley.bench.warm;

import dev.parley.bench.ClosedLoop;
import dev.parley.client.ParleyClient;
import dev.parley.client.SendOptions;
import dev.parley.schemas.GenerationParams;
import dev.parley.testkit.ParleyInfra;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs the workload through one {@code parley worker} process with the given engine: every conversation sends its
 * next turn as soon as its previous reply arrives, so all of them compete for the slots and take turns on them.
 */
final class WarmRunner {

    private static final String WARM_GAUGE = "parley_conversations_warm";

    private final ParleyInfra infra;
    private final Path model;
    private final WarmWorkload workload;
    private final int slots;
    private final int contextPerSlot;
    private final Path out;
    private final PrintStream console;

    WarmRunner(ParleyInfra infra, Path model, WarmWorkload workload, int slots, int contextPerSlot, Path out,
               PrintStream console) {
        this.infra = infra;
        this.model = model;
        this.workload = workload;
        this.slots = slots;
        this.contextPerSlot = contextPerSlot;
        this.out = out;
        this.console = console;
    }

    private int runs;

    /** {@code extraFlags}: worker flags for this engine (threads, snapshot budget). */
    WarmResult run(String engine, int threads, List<String> extraFlags) throws IOException, InterruptedException {
        // Topics, group and conversation ids of their own per run: a repeat run must not find the histories of the
        // run before it in Redis (its prompts would grow by a whole run's turns).
        String prefix = "warm" + ProcessHandle.current().pid() + engine + "r" + (++runs);
        List<String> flags = new ArrayList<>(List.of("--bootstrap", infra.bootstrapServers(), "--redis", infra.redisUri(),
                "--model", model.toString(), "--engine", engine, "--slots", String.valueOf(slots),
                "--context-per-slot", String.valueOf(contextPerSlot), "--threads", String.valueOf(threads),
                "--prompts-topic", prefix + ".prompts", "--replies-topic", prefix + ".replies",
                "--dlq-topic", prefix + ".dlq", "--control-topic", prefix + ".control", "--group-id", prefix,
                "--worker-id", "warm-" + engine, "--partitions", String.valueOf(Math.max(12, workload.conversations()))));
        flags.addAll(extraFlags);
        try (WorkerProcess worker = WorkerProcess.start(flags, out.resolve("worker-" + engine + ".log"))) {
            worker.awaitReady(Duration.ofMinutes(5)); // it creates the topics
            try (ParleyClient client = ParleyClient.builder().bootstrapServers(infra.bootstrapServers())
                    .promptsTopic(prefix + ".prompts").repliesTopic(prefix + ".replies")
                    .replyTimeout(Duration.ofMinutes(60)).build()) {
                return drive(engine, threads, prefix, worker, client);
            }
        }
    }

    private WarmResult drive(String engine, int threads, String prefix, WorkerProcess worker, ParleyClient client)
            throws IOException, InterruptedException {
        long loadedRss = worker.rssBytes();
        AtomicInteger maxWarm = new AtomicInteger();
        AtomicInteger answered = new AtomicInteger();
        ScheduledExecutorService watcher = Executors.newSingleThreadScheduledExecutor();
        watcher.scheduleAtFixedRate(() -> {
            try {
                maxWarm.accumulateAndGet(worker.metrics().getOrDefault(WARM_GAUGE, 0.0).intValue(), Math::max);
            } catch (IOException | InterruptedException | RuntimeException e) {
                // a missed reading; the next one comes in a second
            }
        }, 1, 1, TimeUnit.SECONDS);
        int total = workload.conversations() * workload.turns();
        ScheduledExecutorService progress = Executors.newSingleThreadScheduledExecutor();
        progress.scheduleAtFixedRate(() -> console.printf(Locale.ROOT, "    %s: %d/%d turns answered%n", engine,
                answered.get(), total), 30, 30, TimeUnit.SECONDS);

        SendOptions options = SendOptions.builder().system(WarmWorkload.SYSTEM).timeout(Duration.ofMinutes(60))
                .params(GenerationParams.DEFAULTS.withMaxTokens(workload.maxTokens()).withTemperature(0)).build();
        CpuBreakdown cpu = CpuBreakdown.start(worker.pid(), "worker", CpuBreakdown.benchProcesses(true));
        long started = System.nanoTime();
        List<WarmSample> samples = ClosedLoop.run(client, options, workload.conversations(), workload.turns(),
                c -> workload.conversationId(prefix, c), workload::question, (conversation, turn, reply, sent) -> {
                    answered.incrementAndGet();
                    return WarmSample.of(conversation, turn, reply, sent);
                });
        double wall = (System.nanoTime() - started) / 1e9;
        progress.shutdownNow();
        watcher.shutdownNow();
        watcher.awaitTermination(5, TimeUnit.SECONDS);
        Map<String, Double> cpuSeconds = cpu.stop();
        return new WarmResult(engine, threads, samples, wall, maxWarm.get(), loadedRss, worker.peakRssBytes(),
                worker.metrics(), cpuSeconds, cpu.loadAtStart(), ProcStats.loadAverage());
    }
}
