package dev.parley.bench.warm;

import java.io.IOException;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Runs the warm workload against a fresh {@code llama-server}, the tool a CPU user would pick instead of Parley:
 * each conversation posts its whole transcript to {@code /v1/chat/completions} ({@code cache_prompt} on), as a
 * chat client of that server does, and sends its next turn when the answer arrives, so all conversations compete
 * for the slots as they do for Parley's. Time to first token is the server's own {@code timings.prompt_ms}.
 */
final class LlamaServerRunner {

    private static final ObjectMapper JSON = new ObjectMapper();
    static final String ENGINE = "llama-server";

    private final Path binary;
    private final Path model;
    private final WarmWorkload workload;
    private final int slots;
    private final int contextPerSlot;
    private final String kvType;
    private final long cacheRamMiB;
    private final List<String> extraArgs;
    private final Path out;
    private final PrintStream console;
    private boolean ignoreEos;

    LlamaServerRunner(Path binary, Path model, WarmWorkload workload, int slots, int contextPerSlot, String kvType,
                      long cacheRamMiB, List<String> extraArgs, Path out, PrintStream console) {
        this.binary = binary;
        this.model = model;
        this.workload = workload;
        this.slots = slots;
        this.contextPerSlot = contextPerSlot;
        this.kvType = kvType;
        this.cacheRamMiB = cacheRamMiB;
        this.extraArgs = List.copyOf(extraArgs);
        this.out = out;
        this.console = console;
    }

    /** Whether to ask for max_tokens whatever the model says (as an engine that ignores end of generation). */
    LlamaServerRunner ignoreEos(boolean value) {
        this.ignoreEos = value;
        return this;
    }

    /** One run on a server started for it (its prompt cache empty) and stopped after it. */
    WarmResult run(int threads) throws IOException, InterruptedException {
        int port = LlamaServerProcess.freePort();
        List<String> command = LlamaServerProcess.command(binary, model, slots, contextPerSlot, threads, kvType,
                cacheRamMiB, workload.conversations() + slots, port);
        command.addAll(extraArgs);
        console.println("    " + String.join(" ", command));
        try (LlamaServerProcess server = LlamaServerProcess.start(command, port, out.resolve("llama-server.log"))) {
            server.awaitReady(Duration.ofMinutes(5));
            long loadedRss = server.rssBytes();
            CpuBreakdown cpu = CpuBreakdown.start(server.pid(), ENGINE, CpuBreakdown.benchProcesses(false));
            long started = System.nanoTime();
            List<WarmSample> samples = drive(server);
            double wall = (System.nanoTime() - started) / 1e9;
            return new WarmResult(ENGINE, threads, samples, wall, -1, loadedRss, server.peakRssBytes(), Map.of(),
                    cpu.stop(), cpu.loadAtStart(), ProcStats.loadAverage());
        }
    }

    private List<WarmSample> drive(LlamaServerProcess server) throws InterruptedException {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        int total = workload.conversations() * workload.turns();
        AtomicInteger answered = new AtomicInteger();
        ScheduledExecutorService progress = Executors.newSingleThreadScheduledExecutor();
        progress.scheduleAtFixedRate(() -> console.printf(Locale.ROOT, "    %s: %d/%d turns answered%n", ENGINE,
                answered.get(), total), 30, 30, TimeUnit.SECONDS);
        try {
            List<CompletableFuture<List<WarmSample>>> chains = new ArrayList<>();
            for (int c = 0; c < workload.conversations(); c++) {
                int conversation = c;
                ArrayNode messages = JSON.createArrayNode();
                messages.addObject().put("role", "system").put("content", WarmWorkload.SYSTEM);
                CompletableFuture<List<WarmSample>> chain = CompletableFuture.completedFuture(new ArrayList<>());
                for (int t = 0; t < workload.turns(); t++) {
                    int turn = t;
                    chain = chain.thenCompose(samples -> {
                        messages.addObject().put("role", "user").put("content", workload.question(conversation, turn));
                        long sent = System.nanoTime();
                        return http.sendAsync(request(server, messages), HttpResponse.BodyHandlers.ofString())
                                .thenApply(response -> {
                                    samples.add(sample(conversation, turn, response.statusCode(), response.body(),
                                            messages, sent));
                                    answered.incrementAndGet();
                                    return samples;
                                });
                    });
                }
                chains.add(chain);
            }
            List<WarmSample> samples = new ArrayList<>();
            chains.forEach(chain -> samples.addAll(chain.join()));
            return samples;
        } finally {
            progress.shutdownNow();
        }
    }

    private HttpRequest request(LlamaServerProcess server, ArrayNode messages) {
        ObjectNode body = JSON.createObjectNode();
        body.set("messages", messages);
        body.put("max_tokens", workload.maxTokens()).put("temperature", 0).put("cache_prompt", true)
                .put("stream", false);
        if (ignoreEos) {
            body.put("ignore_eos", true);
        }
        return HttpRequest.newBuilder(server.uri("/v1/chat/completions")).timeout(Duration.ofMinutes(60))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build();
    }

    /** Reads the answer into the transcript (exactly as generated, as Parley stores it) and into a sample. */
    static WarmSample sample(int conversation, int turn, int status, String body, ArrayNode messages,
                             long sentNanos) {
        double endToEndMs = (System.nanoTime() - sentNanos) / 1e6;
        if (status != 200) {
            throw new IllegalStateException("llama-server answered " + status + ": " + body);
        }
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (JacksonException e) {
            throw new IllegalStateException("llama-server's answer is not JSON: " + body, e);
        }
        String content = root.path("choices").path(0).path("message").path("content").asString();
        messages.addObject().put("role", "assistant").put("content", content);
        JsonNode timings = root.path("timings");
        if (timings.isMissingNode()) {
            throw new IllegalStateException("llama-server's answer has no timings: " + body);
        }
        int cached = timings.path("cache_n").asInt();
        int computed = timings.path("prompt_n").asInt();
        double promptMs = timings.path("prompt_ms").asDouble();
        double predictedMs = timings.path("predicted_ms").asDouble();
        // The server does not say how long the request waited for a slot: what the round trip took beyond its
        // own prompt and generation times (HTTP and JSON included) counts as queued.
        long queuedMs = Math.max(0, Math.round(endToEndMs - promptMs - predictedMs));
        return new WarmSample(conversation, turn, cached + computed, cached, 0,
                root.path("usage").path("completion_tokens").asInt(timings.path("predicted_n").asInt()), queuedMs,
                Math.round(promptMs), queuedMs + Math.round(promptMs + predictedMs), endToEndMs);
    }
}
