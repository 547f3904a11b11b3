package dev.parley.worker.cli;

import dev.parley.worker.config.SettingsException;
import picocli.CommandLine;

/** Entry point of the worker image: the {@code worker} command alone. */
public final class WorkerMain {

    private WorkerMain() {
    }

    public static void main(String[] args) {
        System.exit(run(SettingsOptions.install(new CommandLine(new WorkerCommand())), args));
    }

    /**
     * Runs a command line, reporting configuration errors as such (exit code 2) rather than as a crash; the caller
     * exits, since java-llama.cpp leaves a native non-daemon thread behind.
     */
    public static int run(CommandLine commandLine, String[] args) {
        commandLine.setExecutionExceptionHandler((e, cmd, parseResult) -> {
            if (e instanceof SettingsException || e instanceof IllegalArgumentException
                    || e instanceof dev.parley.models.ModelUnavailableException) {
                cmd.getErr().println("parley: " + e.getMessage());
                return 2;
            }
            throw e;
        });
        return commandLine.execute(args);
    }
}
