package dev.parley.cli;

import dev.parley.testkit.ParleyInfra;
import dev.parley.worker.cli.SettingsOptions;
import dev.parley.worker.cli.ShutdownOnSignal;
import dev.parley.worker.cli.WorkerRuntime;
import dev.parley.worker.config.Setting;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code parley dev}: broker, Redis and one worker, running until SIGINT/SIGTERM. */
@Command(name = "dev", mixinStandardHelpOptions = true,
        description = "Start a broker, Redis and one worker on embedded defaults and keep them running until "
                + "SIGINT/SIGTERM. Prints PARLEY_BOOTSTRAP= and PARLEY_REDIS= once the default topics exist. "
                + "Worker settings as for 'parley worker' (--bootstrap and --redis are set by the stack).")
public final class DevCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Stack stack = Stack.start(ParleyInfra.start(), infra -> SettingsOptions.resolve(spec, System.getenv(),
                Map.of(Setting.BOOTSTRAP, infra.bootstrapServers(), Setting.REDIS, infra.redisUri())));
        Addresses.print(stack.infra);
        System.out.println("PARLEY_METRICS=http://127.0.0.1:" + stack.runtime.httpPort() + "/metrics");
        System.out.flush();
        ShutdownOnSignal.awaitSignal(stack::close);
        return 0;
    }
}
