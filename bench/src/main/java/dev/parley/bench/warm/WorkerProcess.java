package dev.parley.bench.warm;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@code parley worker} in a child JVM, so that each engine is measured alone: its resident memory (sampled every
 * 200 ms, the peak kept) and its Prometheus metrics, read over its ops port.
 */
public final class WorkerProcess implements AutoCloseable {

    private final Process process;
    private final int httpPort;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "rss-sampler");
        thread.setDaemon(true);
        return thread;
    });
    private final AtomicLong peakRss = new AtomicLong();

    private WorkerProcess(Process process, int httpPort) {
        this.process = process;
        this.httpPort = httpPort;
        sampler.scheduleAtFixedRate(() -> peakRss.accumulateAndGet(rssBytes(), Math::max), 0, 200,
                TimeUnit.MILLISECONDS);
    }

    /** Starts {@code parley worker} with these flags (plus {@code --http-port}), its output going to {@code log}. */
    public static WorkerProcess start(List<String> flags, Path log) throws IOException {
        int port = freePort();
        List<String> command = new ArrayList<>(List.of(
                ProcessHandle.current().info().command().orElse("java"), "-Xmx1g", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"), "dev.parley.worker.cli.WorkerMain"));
        command.addAll(flags);
        command.addAll(List.of("--http-port", String.valueOf(port)));
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.to(log.toFile())).start();
        return new WorkerProcess(process, port);
    }

    /** Waits until {@code /ready} answers 200: model loaded, group joined, Redis and broker reachable. */
    public void awaitReady(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the worker exited with " + process.exitValue() + " before it was ready");
            }
            try {
                HttpResponse<Void> ready = http.send(HttpRequest.newBuilder(uri("/ready")).build(),
                        HttpResponse.BodyHandlers.discarding());
                if (ready.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // the ops port opens after the model has loaded
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("the worker was not ready within " + timeout);
    }

    /** Every sample of the worker's Prometheus output, keyed by name and labels as printed. */
    Map<String, Double> metrics() throws IOException, InterruptedException {
        String text = http.send(HttpRequest.newBuilder(uri("/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Map<String, Double> samples = new HashMap<>();
        for (String line : text.split("\n")) {
            int space = line.lastIndexOf(' ');
            if (line.startsWith("#") || space < 0) {
                continue;
            }
            try {
                samples.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
            } catch (NumberFormatException ignored) {
                // not a sample line
            }
        }
        return samples;
    }

    long peakRssBytes() {
        return Math.max(peakRss.get(), rssBytes());
    }

    long rssBytes() {
        return ProcStats.rssBytes(process.pid());
    }

    long pid() {
        return process.pid();
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + httpPort + path);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** SIGKILL, and waits for the process to be gone: nothing of it runs any more (a crash, an OOM kill). */
    public void kill() throws InterruptedException {
        sampler.shutdownNow();
        process.destroyForcibly().waitFor();
    }

    /** SIGTERM, then a bounded wait: the worker finishes in-flight turns and commits. */
    @Override
    public void close() throws InterruptedException {
        sampler.shutdownNow();
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }
}
