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
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A fresh {@code llama-server} process, the baseline of the warm benchmark: started for one run and stopped after
 * it, because its prompt cache ({@code --cache-ram}) would otherwise serve the next run from the previous one. Its
 * resident memory is sampled every 200 ms, the peak kept, as for the worker.
 */
final class LlamaServerProcess implements AutoCloseable {

    private final Process process;
    private final int port;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .version(HttpClient.Version.HTTP_1_1).build();
    private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "llama-server-rss");
        thread.setDaemon(true);
        return thread;
    });
    private final AtomicLong peakRss = new AtomicLong();

    private LlamaServerProcess(Process process, int port) {
        this.process = process;
        this.port = port;
        sampler.scheduleAtFixedRate(() -> peakRss.accumulateAndGet(rssBytes(), Math::max), 0, 200,
                TimeUnit.MILLISECONDS);
    }

    /**
     * The server's command line for the same setting as Parley's: {@code slots} sequences of
     * {@code contextPerSlot} cells each (so {@code -c slots x contextPerSlot} with {@code --no-kv-unified}), the same
     * threads and KV type, and a prompt cache of {@code cacheRamMiB}, Parley's snapshot budget. {@code httpThreads}
     * lets every waiting conversation's request reach the server's own queue rather than wait for a connection.
     */
    static List<String> command(Path binary, Path model, int slots, int contextPerSlot, int threads, String kvType,
                                long cacheRamMiB, int httpThreads, int port) {
        return new ArrayList<>(List.of(binary.toString(), "--model", model.toString(),
                "--ctx-size", String.valueOf((long) slots * contextPerSlot), "--parallel", String.valueOf(slots),
                "--no-kv-unified", "--threads", String.valueOf(threads), "--threads-batch", String.valueOf(threads),
                "--cache-type-k", kvType, "--cache-type-v", kvType, "--cache-ram", String.valueOf(cacheRamMiB),
                "--threads-http", String.valueOf(httpThreads), "--host", "127.0.0.1", "--port", String.valueOf(port),
                "--no-webui"));
    }

    /** Starts the server with {@code command} (from {@link #command}) on {@code port}, its output going to {@code log}. */
    static LlamaServerProcess start(List<String> command, int port, Path log) throws IOException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.to(log.toFile())).start();
        return new LlamaServerProcess(process, port);
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** Waits until {@code /health} answers 200: the model is loaded and the slots are ready. */
    void awaitReady(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("llama-server exited with " + process.exitValue()
                        + " before it was ready (see its log)");
            }
            try {
                HttpResponse<Void> health = http.send(HttpRequest.newBuilder(uri("/health")).build(),
                        HttpResponse.BodyHandlers.discarding());
                if (health.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // the port opens before the model has loaded; 503 until then
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("llama-server was not ready within " + timeout);
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    long pid() {
        return process.pid();
    }

    long rssBytes() {
        return ProcStats.rssBytes(process.pid());
    }

    long peakRssBytes() {
        return Math.max(peakRss.get(), rssBytes());
    }

    /** SIGTERM, then a bounded wait, then SIGKILL. */
    @Override
    public void close() throws InterruptedException {
        sampler.shutdownNow();
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }
}
