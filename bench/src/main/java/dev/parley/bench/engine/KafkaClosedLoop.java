package dev.parley.bench.engine;

import dev.parley.bench.ClosedLoop;
import dev.parley.bench.ParleyRunner;
import dev.parley.bench.Stats;
import dev.parley.client.ParleyClient;
import dev.parley.client.SendOptions;
import dev.parley.schemas.GenerationParams;
import dev.parley.schemas.Reply;
import dev.parley.testkit.ParleyInfra;
import dev.parley.worker.Worker;
import dev.parley.worker.config.WorkerConfig;
import dev.parley.worker.engine.InferenceEngine;
import dev.parley.worker.metrics.ParleyMeter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.ToLongFunction;

/**
 * The same closed-loop conversations as {@link ClosedLoopEngine}, sent through Kafka: SDK → prompts topic → a worker
 * in this process over an engine of the in-process run's settings → Redis history → reply topic → SDK. Same
 * questions, same answer length, so the ratio of the two aggregates is the share that Kafka, Redis and the worker's
 * turn path cost.
 */
final class KafkaClosedLoop {

    private final ParleyInfra infra;
    private final InferenceEngine engine;

    KafkaClosedLoop(ParleyInfra infra, InferenceEngine engine) {
        this.infra = infra;
        this.engine = engine;
    }

    /**
     * One concurrency level end to end; {@code label} keeps its conversations (and history) apart from the others.
     * {@code params} must ask for what the in-process run did (its penalties above all: a prompt that names none
     * gets the worker's repeat penalty of 1.1, which the in-process greedy run does not pay).
     */
    Result run(int conversations, int turns, GenerationParams params, int promptChars, String label) {
        String prefix = "enginebench" + ProcessHandle.current().pid() + label;
        WorkerConfig config = WorkerConfig.builder().bootstrapServers(infra.bootstrapServers())
                .redisUri(infra.redisUri()).promptsTopic(prefix + ".prompts").repliesTopic(prefix + ".replies")
                .deadLetterTopic(prefix + ".dlq").controlTopic(prefix + ".control").groupId(prefix)
                .workerId("engine-bench").partitions(Math.max(12, conversations))
                .maxInFlight(conversations).build();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (Worker worker = Worker.start(config, engine, registry);
             ParleyClient client = ParleyClient.builder().bootstrapServers(infra.bootstrapServers())
                     .promptsTopic(config.promptsTopic()).repliesTopic(config.repliesTopic())
                     .replyTimeout(Duration.ofMinutes(10)).build()) {
            ParleyRunner.awaitAssignment(worker);
            SendOptions options = SendOptions.builder().params(params).build();
            long started = System.nanoTime();
            List<Turn> turnsDone = ClosedLoop.run(client, options, conversations, turns,
                    c -> label + "-" + c, (c, t) -> ClosedLoopEngine.question(c, t, promptChars),
                    (c, t, reply, sent) -> new Turn(requireOk(reply), (System.nanoTime() - sent) / 1_000_000));
            return new Result(conversations, turnsDone, System.nanoTime() - started, beforeTheEngineMs(registry));
        }
    }

    /** The worker's mean wait from a record's arrival to its turn's start, before the engine has it. */
    private static double beforeTheEngineMs(SimpleMeterRegistry registry) {
        Timer wait = registry.find(ParleyMeter.QUEUE_WAIT.meterName()).timer();
        return wait == null ? Double.NaN : wait.mean(TimeUnit.MILLISECONDS);
    }

    private static Reply requireOk(Reply reply) {
        if (!reply.isOk()) {
            throw new IllegalStateException("benchmark turn failed: " + reply.error());
        }
        return reply;
    }

    /** A reply and the time from sending its prompt to its arrival, as the client saw it. */
    record Turn(Reply reply, long roundTripMs) {

        /** What the worker's own timings do not cover: Kafka both ways, the SDK, the worker's consumer and producer. */
        long outsideTheWorkerMs() {
            return roundTripMs - reply.timings().totalMs();
        }
    }

    /** One level's turns and wall time. */
    record Result(int conversations, List<Turn> turns, long wallNanos, double beforeTheEngineMs) {

        double aggregateTokensPerSecond() {
            return turns.stream().mapToLong(t -> t.reply().usage().completionTokens()).sum() / (wallNanos / 1e9);
        }

        double replyMillis(double percentile) {
            return timing(t -> t.reply().timings().totalMs(), percentile);
        }

        /** A percentile of one part of the turns' time (the worker's queueing, its first token, Kafka's share). */
        double timing(ToLongFunction<Turn> part, double percentile) {
            return Stats.percentile(turns.stream().mapToDouble(part::applyAsLong).toArray(), percentile);
        }

        String line(EngineRun inProcess) {
            return String.format(Locale.ROOT, "N=%3d  through Kafka %8.1f tok/s  = %.3f x in-process  (%d turns, %.1f s)",
                    conversations, aggregateTokensPerSecond(),
                    aggregateTokensPerSecond() / inProcess.aggregateTokensPerSecond(), turns.size(), wallNanos / 1e9);
        }
    }

    /** The end-to-end section of engine-bench.md; empty without {@code --through-kafka}. */
    static String markdown(List<EngineRun> inProcess, List<Result> kafka) {
        if (kafka.isEmpty()) {
            return "";
        }
        StringBuilder md = new StringBuilder("\n## Through Kafka (`--through-kafka`)\n\n"
                + "The same conversations sent with the SDK through an in-process broker to a worker over an engine "
                + "of the same settings, history in Redis.\n\n"
                + "| conversations | in-process tok/s | through Kafka tok/s | ratio | reply p50 ms | reply p95 ms "
                + "| queued in the worker p50 / p95 ms | of which before the engine, mean ms "
                + "| first token p50 / p95 ms | outside the worker p50 / p95 ms |\n"
                + "|---|---|---|---|---|---|---|---|---|---|\n");
        for (int i = 0; i < kafka.size(); i++) {
            Result k = kafka.get(i);
            EngineRun e = inProcess.get(i);
            md.append(String.format(Locale.ROOT,
                    "| %d | %.1f | %.1f | %.3f | %.0f | %.0f | %.0f / %.0f | %.0f | %.0f / %.0f | %.0f / %.0f |%n",
                    k.conversations(), e.aggregateTokensPerSecond(), k.aggregateTokensPerSecond(),
                    k.aggregateTokensPerSecond() / e.aggregateTokensPerSecond(), k.replyMillis(50), k.replyMillis(95),
                    k.timing(t -> t.reply().timings().queuedMs(), 50), k.timing(t -> t.reply().timings().queuedMs(), 95),
                    k.beforeTheEngineMs(),
                    k.timing(t -> t.reply().timings().firstTokenMs(), 50),
                    k.timing(t -> t.reply().timings().firstTokenMs(), 95),
                    k.timing(Turn::outsideTheWorkerMs, 50), k.timing(Turn::outsideTheWorkerMs, 95)));
        }
        return md.toString();
    }
}
