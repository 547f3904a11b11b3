package dev.parley.worker.cli;

import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code parley worker}: one worker process on a running broker and Redis, until SIGTERM or SIGINT. Its flags are
 * generated from the settings (see {@link SettingsOptions}).
 */
@Command(name = "worker", mixinStandardHelpOptions = true,
        description = "Run a worker: load one model, consume prompts, answer them. Stops cleanly on SIGTERM/SIGINT. "
                + "Settings come from --config FILE, PARLEY_* environment variables and flags, flags winning.")
public final class WorkerCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        WorkerRuntime runtime = WorkerRuntime.start(SettingsOptions.resolve(spec, System.getenv(), Map.of()));
        System.out.println("PARLEY_WORKER_READY worker=" + runtime.worker().config().workerId()
                + " http_port=" + runtime.httpPort());
        System.out.flush();
        ShutdownOnSignal.awaitSignal(runtime::close);
        return 0;
    }
}
