package dev.parley.cli;

import dev.parley.gateway.Gateway;
import dev.parley.testkit.ParleyInfra;
import dev.parley.worker.cli.SettingsOptions;
import dev.parley.worker.cli.ShutdownOnSignal;
import dev.parley.worker.cli.WorkerRuntime;
import dev.parley.worker.config.Setting;
import dev.parley.worker.config.Settings;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code parley dev}: broker, Redis, one worker and an OpenAI gateway, running until SIGINT/SIGTERM. */
@Command(name = "dev", mixinStandardHelpOptions = true,
        description = "Start a broker, Redis and one worker on embedded defaults and keep them running until "
                + "SIGINT/SIGTERM. Prints PARLEY_BOOTSTRAP= and PARLEY_REDIS= once the default topics exist, then "
                + "PARLEY_OPENAI_BASE_URL=, PARLEY_OPENAI_API_KEY= and PARLEY_OPENAI_MODEL= once the OpenAI gateway listens. "
                + "Worker settings as for 'parley worker' (--bootstrap and --redis are set by the stack).")
public final class DevCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        String[] model = new String[1];
        Stack stack = Stack.start(ParleyInfra.start(), infra -> {
            Settings settings = SettingsOptions.resolve(spec, System.getenv(),
                    Map.of(Setting.BOOTSTRAP, infra.bootstrapServers(), Setting.REDIS, infra.redisUri()));
            model[0] = settings.text(Setting.MODEL);
            return settings;
        });
        Addresses.print(stack.infra);
        System.out.println("PARLEY_METRICS=http://127.0.0.1:" + stack.runtime.httpPort() + "/metrics");
        Gateway gateway;
        try {
            gateway = DevGateway.start(stack, model[0]);
        } catch (RuntimeException e) {
            stack.close();
            throw e;
        }
        ShutdownOnSignal.awaitSignal(() -> {
            try {
                gateway.close();
            } finally {
                stack.close();
            }
        });
        return 0;
    }
}
