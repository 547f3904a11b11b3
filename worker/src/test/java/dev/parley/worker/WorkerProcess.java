package dev.parley.worker;

import dev.parley.worker.cli.WorkerMain;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A worker in its own JVM ({@code parley worker}), for tests that signal or kill it. Its log is kept under
 * {@code target/worker-logs} (never deleted, so a failed test's cause can be read), and {@link #tail} puts its end
 * into a failure message.
 */
final class WorkerProcess implements AutoCloseable {

    private final Process process;
    private final Path log;

    private WorkerProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    static WorkerProcess start(List<String> workerArguments) throws IOException {
        return start(workerArguments, "512m");
    }

    static WorkerProcess start(List<String> workerArguments, String maxHeap) throws IOException {
        return start(WorkerMain.class, workerArguments, maxHeap);
    }

    /** A worker process run by another main class (one that injects faults into the real command, say). */
    static WorkerProcess start(Class<?> main, List<String> workerArguments, String maxHeap) throws IOException {
        Path dir = Path.of("target", "worker-logs");
        Files.createDirectories(dir);
        Path log = Files.createTempFile(dir, "parley-worker-", ".log");
        List<String> command = new ArrayList<>(List.of(
                ProcessHandle.current().info().command().orElse("java"), "-Xmx" + maxHeap, "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(workerArguments);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        return new WorkerProcess(process, log);
    }

    /** Waits until the worker printed its ready line. */
    void awaitReady(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (output().contains("PARLEY_WORKER_READY")) {
                return;
            }
            if (!process.isAlive()) {
                throw new IllegalStateException("worker exited with " + process.exitValue() + ":\n" + output());
            }
            Thread.sleep(50); // polling a child process's log: there is nothing to wait on
        }
        throw new IllegalStateException("worker not ready within " + timeout + ":\n" + output());
    }

    /** The port of /metrics, from the ready line. */
    int httpPort() throws IOException {
        var matcher = java.util.regex.Pattern.compile("http_port=(-?\\d+)").matcher(output());
        if (!matcher.find()) {
            throw new IllegalStateException("no http_port in the worker's ready line");
        }
        return Integer.parseInt(matcher.group(1));
    }

    /** SIGTERM. */
    void terminate() {
        process.destroy();
    }

    /** SIGKILL. */
    void kill() {
        process.destroyForcibly();
    }

    boolean awaitExit(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    int exitValue() {
        return process.exitValue();
    }

    String output() throws IOException {
        return Files.readString(log);
    }

    /** The last {@code lines} lines of the worker's log, headed by its path. */
    String tail(int lines) {
        try {
            List<String> all = Files.readAllLines(log);
            return "--- " + log.toAbsolutePath() + " (last " + Math.min(lines, all.size()) + " of " + all.size()
                    + " lines)\n" + String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "--- " + log + " unreadable: " + e.getMessage();
        }
    }

    Path log() {
        return log;
    }

    @Override
    public void close() throws Exception {
        if (process.isAlive()) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
