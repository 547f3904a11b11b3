package dev.parley.cli;

import dev.parley.client.ParleyClient;
import dev.parley.testkit.ParleyInfra;
import dev.parley.worker.cli.WorkerRuntime;
import dev.parley.worker.config.Settings;
import java.util.function.Function;

/** Infra and one worker process's parts, as {@code dev} and {@code demo} run them; closes in reverse order. */
final class Stack implements AutoCloseable {

    final ParleyInfra infra;
    final WorkerRuntime runtime;

    private Stack(ParleyInfra infra, WorkerRuntime runtime) {
        this.infra = infra;
        this.runtime = runtime;
    }

    /** Starts a worker on {@code infra}; settings are resolved once the infra's addresses are known. */
    static Stack start(ParleyInfra infra, Function<ParleyInfra, Settings> settings) {
        try {
            return new Stack(infra, WorkerRuntime.start(settings.apply(infra)));
        } catch (RuntimeException e) {
            infra.close();
            throw e;
        }
    }

    ParleyClient client() {
        var config = runtime.worker().config();
        return ParleyClient.builder()
                .bootstrapServers(infra.bootstrapServers())
                .promptsTopic(config.promptsTopic())
                .repliesTopic(config.repliesTopic())
                .build();
    }

    @Override
    public void close() {
        try {
            runtime.close();
        } finally {
            infra.close();
        }
    }
}
