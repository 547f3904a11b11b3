package dev.parley.bench;

import dev.parley.client.ParleyClient;
import dev.parley.client.SendOptions;
import dev.parley.schemas.GenerationParams;
import dev.parley.schemas.Reply;
import dev.parley.testkit.ParleyInfra;
import dev.parley.worker.Worker;
import dev.parley.worker.config.WorkerConfig;
import dev.parley.worker.engine.llama.LlamaCppEngine;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;

/** Parley end to end: SDK → Kafka → worker (slots pinned) → Redis → reply, conversations concurrent. */
public final class ParleyRunner {

    private final ParleyInfra infra;

    ParleyRunner(ParleyInfra infra) {
        this.infra = infra;
    }

    ModeResult run(String mode, String description, Workload workload, LlamaCppEngine engine) {
        String prefix = "bench" + ProcessHandle.current().pid() + mode.replaceAll("[^a-z0-9]", "");
        WorkerConfig config = WorkerConfig.builder().bootstrapServers(infra.bootstrapServers())
                .redisUri(infra.redisUri()).promptsTopic(prefix + ".prompts").repliesTopic(prefix + ".replies")
                .deadLetterTopic(prefix + ".dlq").groupId(prefix).workerId("bench-worker")
                .partitions(Math.max(12, workload.conversations())).build();
        try (Worker worker = Worker.start(config, engine, new SimpleMeterRegistry());
             ParleyClient client = ParleyClient.builder().bootstrapServers(infra.bootstrapServers())
                     .promptsTopic(config.promptsTopic()).repliesTopic(config.repliesTopic())
                     .replyTimeout(Duration.ofMinutes(10)).build()) {
            awaitAssignment(worker);
            SendOptions options = SendOptions.builder().system(Workload.SYSTEM)
                    .params(GenerationParams.DEFAULTS.withMaxTokens(workload.maxTokens()).withTemperature(0)).build();
            long started = System.nanoTime();
            List<TurnSample> samples = ClosedLoop.run(client, options, workload.conversations(), workload.turns(),
                    c -> workload.conversationId(mode, c), workload::question,
                    (conversation, turn, reply, sent) -> sample(mode, conversation, turn, reply, sent));
            return new ModeResult(mode, description, samples, (System.nanoTime() - started) / 1e9);
        }
    }

    private static TurnSample sample(String mode, int conversation, int turn, Reply reply, long sentNanos) {
        if (!reply.isOk()) {
            throw new IllegalStateException("benchmark turn failed: " + reply.error());
        }
        return new TurnSample(mode, conversation, turn, reply.usage().promptTokens(), reply.usage().cachedTokens(),
                reply.usage().completionTokens(), reply.timings().queuedMs() + reply.timings().firstTokenMs(),
                (System.nanoTime() - sentNanos) / 1e6);
    }

    /** Waits, backing off (never spinning), until the worker owns its partitions; shared by the end-to-end benches. */
    public static void awaitAssignment(Worker worker) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        long pause = 10;
        while (worker.assignment().isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the bench worker got no partitions within 60 s");
            }
            try {
                Thread.sleep(pause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the bench worker's partitions", e);
            }
            pause = Math.min(pause * 2, 500);
        }
    }
}
