package dev.parley.cli;

import dev.parley.models.ModelLocator;
import dev.parley.testkit.ParleyInfra;
import dev.parley.worker.cli.WorkerOptions;
import dev.parley.worker.engine.llama.LlamaCppEngine;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import dev.parley.worker.cli.ShutdownOnSignal;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code parley dev}: broker, Redis and one worker, running until SIGINT/SIGTERM. */
@Command(name = "dev", mixinStandardHelpOptions = true,
        description = "Start a broker, Redis and one worker on embedded defaults and keep them running until "
                + "SIGINT/SIGTERM. Prints PARLEY_BOOTSTRAP= and PARLEY_REDIS= once the default topics exist.")
public final class DevCommand implements Callable<Integer> {

    @Mixin
    WorkerOptions options = new WorkerOptions();

    @Override
    public Integer call() throws Exception {
        Path model = options.resolveModel(ModelLocator.fromEnvironment());
        Stack stack = Stack.start(ParleyInfra.start(), () -> LlamaCppEngine.load(options.engineConfig(model)),
                options::workerConfig);
        Addresses.print(stack.infra);
        ShutdownOnSignal.awaitSignal(stack::close);
        return 0;
    }
}
