package dev.parley.cli;

import dev.parley.testkit.ParleyInfra;
import dev.parley.worker.config.WorkerConfig;
import dev.parley.worker.intake.TopicProvisioner;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
import dev.parley.worker.cli.ShutdownOnSignal;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code parley infra}: a Kafka broker and a Redis server for workers started separately. */
@Command(name = "infra", mixinStandardHelpOptions = true,
        description = "Start a Kafka broker and a Redis server (in-process broker and local redis-server, or containers "
                + "where Docker runs), create the default topics, print their addresses, run until SIGINT/SIGTERM.")
public final class InfraCommand implements Callable<Integer> {

    @Option(names = "--partitions", defaultValue = "12", description = "Partitions of the default topics (default ${DEFAULT-VALUE})")
    int partitions;

    @Override
    public Integer call() throws Exception {
        ParleyInfra infra = ParleyInfra.start();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", infra.bootstrapServers()))) {
            TopicProvisioner.ensure(admin, List.of(WorkerConfig.DEFAULT_PROMPTS_TOPIC, WorkerConfig.DEFAULT_REPLIES_TOPIC,
                    WorkerConfig.DEFAULT_DEAD_LETTER_TOPIC, WorkerConfig.DEFAULT_CONTROL_TOPIC), partitions, (short) -1);
        }
        Addresses.print(infra);
        ShutdownOnSignal.awaitSignal(infra::close);
        return 0;
    }
}
