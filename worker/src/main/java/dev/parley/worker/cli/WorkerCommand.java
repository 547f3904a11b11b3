package dev.parley.worker.cli;

import dev.parley.models.ModelLocator;
import dev.parley.worker.Worker;
import dev.parley.worker.engine.llama.LlamaCppEngine;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code parley worker}: one worker process on a running broker and Redis, until SIGTERM or SIGINT. */
@Command(name = "worker", mixinStandardHelpOptions = true,
        description = "Run a worker: load one model, consume prompts, answer them. Stops cleanly on SIGTERM/SIGINT.")
public final class WorkerCommand implements Callable<Integer> {

    @Mixin
    WorkerOptions options = new WorkerOptions();

    @Override
    public Integer call() throws Exception {
        Path model = options.resolveModel(ModelLocator.fromEnvironment());
        LlamaCppEngine engine = LlamaCppEngine.load(options.engineConfig(model));
        Worker worker = Worker.start(options.workerConfig(null, null), engine, new SimpleMeterRegistry());
        System.out.println("PARLEY_WORKER_READY worker=" + worker.config().workerId());
        System.out.flush();
        ShutdownOnSignal.awaitSignal(worker::close);
        return 0;
    }
}
