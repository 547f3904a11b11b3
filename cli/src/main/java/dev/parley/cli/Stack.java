package dev.parley.cli;

import dev.parley.client.ParleyClient;
import dev.parley.testkit.ParleyInfra;
import dev.parley.worker.Worker;
import dev.parley.worker.config.WorkerConfig;
import dev.parley.worker.engine.llama.LlamaCppEngine;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** Infra + one worker, as {@code dev} and {@code demo} run them; closes in reverse order. */
final class Stack implements AutoCloseable {

    final ParleyInfra infra;
    final LlamaCppEngine engine;
    final Worker worker;
    final long modelLoadMillis;

    private Stack(ParleyInfra infra, LlamaCppEngine engine, Worker worker, long modelLoadMillis) {
        this.infra = infra;
        this.engine = engine;
        this.worker = worker;
        this.modelLoadMillis = modelLoadMillis;
    }

    static Stack start(ParleyInfra infra, java.util.function.Supplier<LlamaCppEngine> engineLoader,
                       java.util.function.BiFunction<String, String, WorkerConfig> config) {
        try {
            long started = System.nanoTime();
            LlamaCppEngine engine = engineLoader.get();
            long loadMillis = (System.nanoTime() - started) / 1_000_000;
            Worker worker = Worker.start(config.apply(infra.bootstrapServers(), infra.redisUri()), engine,
                    new SimpleMeterRegistry());
            return new Stack(infra, engine, worker, loadMillis);
        } catch (RuntimeException e) {
            infra.close();
            throw e;
        }
    }

    ParleyClient client(WorkerConfig config) {
        return ParleyClient.builder()
                .bootstrapServers(infra.bootstrapServers())
                .promptsTopic(config.promptsTopic())
                .repliesTopic(config.repliesTopic())
                .build();
    }

    @Override
    public void close() {
        try {
            worker.close();
        } finally {
            engine.close();
            infra.close();
        }
    }
}
