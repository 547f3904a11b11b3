package dev.parley.bench.lanes;

import dev.parley.client.ParleyClient;
import dev.parley.client.SendOptions;
import dev.parley.schemas.GenerationParams;
import dev.parley.schemas.Priority;
import dev.parley.schemas.Reply;
import dev.parley.testkit.ParleyInfra;
import dev.parley.worker.Worker;
import dev.parley.worker.config.WorkerConfig;
import dev.parley.worker.engine.cpp.NativeEngine;
import dev.parley.worker.engine.cpp.NativeEngineConfig;
import dev.parley.worker.engine.cpp.NativeLanes;
import dev.parley.worker.metrics.ParleyMeter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs one mode of the lanes benchmark: a fresh engine, worker and topics; the flood, then the interactive load. */
final class LanesRun {

    /** What fills the worker while the interactive prompts are measured. */
    enum Flood { NONE, BATCH, AS_INTERACTIVE }

    private static final Duration FLOOD_START_TIMEOUT = Duration.ofMinutes(5);

    private final ParleyInfra infra;
    private final NativeEngineConfig engineConfig;
    private final LanesWorkload workload;
    private final PrintStream console;
    private int runs;

    LanesRun(ParleyInfra infra, NativeEngineConfig engineConfig, LanesWorkload workload, PrintStream console) {
        this.infra = infra;
        this.engineConfig = engineConfig;
        this.workload = workload;
        this.console = console;
    }

    LanesResult measure(String mode, NativeLanes lanes, Flood flood) throws Exception {
        String prefix = "lanesbench" + ProcessHandle.current().pid() + "-" + (++runs);
        WorkerConfig config = WorkerConfig.builder().bootstrapServers(infra.bootstrapServers())
                .redisUri(infra.redisUri()).promptsTopic(prefix + ".prompts").repliesTopic(prefix + ".replies")
                .deadLetterTopic(prefix + ".dlq").controlTopic(prefix + ".control").groupId(prefix)
                .workerId("bench-worker").partitions(12).maxBufferedRecords(Math.max(1000, workload.batch() * 2))
                .shutdownGrace(Duration.ofSeconds(5)).build();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        GenerationParams params = GenerationParams.DEFAULTS.withMaxTokens(workload.maxTokens()).withTemperature(0);
        try (NativeEngine engine = NativeEngine.load(engineConfig, lanes);
             Worker worker = Worker.start(config, engine, registry);
             ParleyClient client = ParleyClient.builder().bootstrapServers(infra.bootstrapServers())
                     .promptsTopic(config.promptsTopic()).repliesTopic(config.repliesTopic())
                     .replyTimeout(Duration.ofMinutes(30)).build()) {
            List<CompletableFuture<Reply>> flooding = new ArrayList<>();
            if (flood != Flood.NONE) {
                SendOptions options = SendOptions.builder().params(params)
                        .priority(flood == Flood.BATCH ? Priority.BATCH : Priority.INTERACTIVE).build();
                for (int i = 0; i < workload.batch(); i++) {
                    flooding.add(client.send(prefix + "-batch-" + i, "Write a story about the sea, part " + i + ".",
                            options));
                }
                awaitBusy(engine);
            }
            long batchDoneBefore = done(flooding);
            SendOptions interactive = SendOptions.builder().params(params).build();
            List<CompletableFuture<Reply>> measured = new ArrayList<>();
            for (int i = 0; i < workload.interactive(); i++) {
                measured.add(client.send(prefix + "-chat-" + i, "Say something about the sea, " + i + ".",
                        interactive));
                TimeUnit.MILLISECONDS.sleep(workload.intervalMillis()); // open loop: arrivals at a fixed pace
            }
            double[] ttft = new double[measured.size()];
            for (int i = 0; i < ttft.length; i++) {
                Reply reply = measured.get(i).get(30, TimeUnit.MINUTES);
                if (!reply.isOk()) {
                    throw new IllegalStateException("interactive reply not ok: " + reply);
                }
                ttft[i] = reply.timings().queuedMs() + reply.timings().firstTokenMs();
            }
            int batchAnswered = (int) (done(flooding) - batchDoneBefore);
            long aged = (long) registry.get(ParleyMeter.LANE_AGED.meterName()).functionCounter().count();
            LanesResult result = new LanesResult(mode, ttft, batchAnswered, engine.preemptions(), aged);
            console.printf("%-36s TTFT p50 %6.0f ms, p95 %6.0f ms; %d batch answered meanwhile, %d preemptions%n",
                    mode, result.p50(), result.p95(), batchAnswered, result.preemptions());
            return result;
        }
    }

    /** Waits until the flood keeps every slot busy (or fails, saying so, after a long while). */
    private static void awaitBusy(NativeEngine engine) throws InterruptedException {
        long deadline = System.nanoTime() + FLOOD_START_TIMEOUT.toNanos();
        while (engine.busySlots() < engine.info().slots()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the flood did not fill the slots in " + FLOOD_START_TIMEOUT);
            }
            TimeUnit.MILLISECONDS.sleep(50);
        }
    }

    private static long done(List<CompletableFuture<Reply>> futures) {
        return futures.stream().filter(CompletableFuture::isDone).count();
    }
}
