package dev.parley.worker.cli;

import dev.parley.worker.engine.InferenceEngine;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.UnaryOperator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code parley worker}: one worker process on a running broker and Redis, until SIGTERM or SIGINT. Its flags are
 * generated from the settings (see {@link SettingsOptions}). A worker that stays unhealthy (a part died or stalled,
 * see {@code /health}) for {@code unhealthy-exit-after} shuts down and exits with {@link #EXIT_UNHEALTHY}, so that
 * its supervisor starts a fresh one.
 */
@Command(name = "worker", mixinStandardHelpOptions = true,
        description = "Run a worker: load one model, consume prompts, answer them. Stops cleanly on SIGTERM/SIGINT. "
                + "Settings come from --config FILE, PARLEY_* environment variables and flags, flags winning.")
public final class WorkerCommand implements Callable<Integer> {

    /** Exit status of a worker that stopped because it was unhealthy. */
    public static final int EXIT_UNHEALTHY = 3;

    @Spec
    CommandSpec spec;

    private final UnaryOperator<InferenceEngine> engineDecorator;

    public WorkerCommand() {
        this(UnaryOperator.identity());
    }

    /** A worker whose engine is wrapped by {@code engineDecorator}: how tests inject faults into a real process. */
    WorkerCommand(UnaryOperator<InferenceEngine> engineDecorator) {
        this.engineDecorator = engineDecorator;
    }

    @Override
    public Integer call() throws Exception {
        WorkerRuntime runtime = WorkerRuntime.start(SettingsOptions.resolve(spec, System.getenv(), Map.of()),
                engineDecorator);
        Duration bound = runtime.worker().config().shutdownGrace().plusSeconds(30);
        ShutdownOnSignal shutdown = ShutdownOnSignal.install(runtime::close, bound);
        runtime.worker().onFatal(health -> {
            System.err.println("parley: worker unhealthy (" + health.problems() + "); exiting with status "
                    + EXIT_UNHEALTHY + " so that it is restarted");
            shutdown.exit(EXIT_UNHEALTHY);
        });
        System.out.println("PARLEY_WORKER_READY worker=" + runtime.worker().config().workerId()
                + " http_port=" + runtime.httpPort());
        System.out.flush();
        shutdown.await();
        return 0;
    }
}
