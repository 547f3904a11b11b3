package dev.parley.worker.cli;

import picocli.CommandLine;

/** Entry point of the worker image: the {@code worker} command alone. */
public final class WorkerMain {

    private WorkerMain() {
    }

    public static void main(String[] args) {
        int code = new CommandLine(new WorkerCommand()).execute(args);
        // java-llama.cpp leaves a native non-daemon thread behind: leave explicitly.
        System.exit(code);
    }
}
