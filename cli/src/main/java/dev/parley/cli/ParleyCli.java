package dev.parley.cli;

import dev.parley.worker.cli.SettingsOptions;
import dev.parley.worker.cli.WorkerCommand;
import dev.parley.worker.cli.WorkerMain;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code parley} command. */
@Command(name = "parley", mixinStandardHelpOptions = true, version = "parley 0.1.0",
        description = "Kafka-native worker pool for local LLM inference.",
        subcommands = {DemoCommand.class, DevCommand.class, InfraCommand.class, WorkerCommand.class, ChatCommand.class,
                BatchCommand.class, GatewayCommand.class, dev.parley.bench.BenchCommand.class})
public final class ParleyCli implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        if (args.length > 0 && (args[0].equals("demo") || args[0].equals("bench"))
                && System.getProperty("parley.log.level") == null) {
            // These commands print their own story; only warnings go to the log.
            System.setProperty("parley.log.level", "WARN");
        }
        CommandLine commandLine = new CommandLine(new ParleyCli());
        for (String name : new String[] {"worker", "dev", "demo"}) {
            SettingsOptions.install(commandLine.getSubcommands().get(name));
        }
        // java-llama.cpp leaves a native non-daemon thread behind: leave explicitly.
        System.exit(WorkerMain.run(commandLine, args));
    }
}
