package dev.parley.bench.gateway;

import dev.parley.client.ParleyClient;
import dev.parley.client.SendOptions;
import dev.parley.schemas.GenerationParams;
import dev.parley.schemas.Reply;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/** One path's round: {@code requests} one-turn requests, {@code concurrency} at a time, latencies in milliseconds. */
final class OverheadRun {

    /** Latencies of one round and how long it took. */
    record Round(List<Double> latenciesMs, double wallSeconds) {
    }

    private final ParleyClient client;
    private final HttpClient http = HttpClient.newHttpClient();
    private final URI completions;
    private final String key;
    private final int concurrency;
    private final int maxTokens;
    private final String prefix;
    private final AtomicInteger sequence = new AtomicInteger();

    OverheadRun(ParleyClient client, String baseUrl, String key, int concurrency, int maxTokens, String prefix) {
        this.client = client;
        this.completions = URI.create(baseUrl + "/chat/completions");
        this.key = key;
        this.concurrency = concurrency;
        this.maxTokens = maxTokens;
        this.prefix = prefix;
    }

    void warmUp(int requests) throws Exception {
        sdk(requests, 0);
        gateway(requests, 0);
    }

    Round sdk(int requests, int round) throws Exception {
        SendOptions options = SendOptions.builder()
                .params(GenerationParams.DEFAULTS.withMaxTokens(maxTokens).withTemperature(0)).build();
        return measure(requests, () -> {
            int n = sequence.incrementAndGet();
            Reply reply = client.send(prefix + "-sdk-" + n, question(n), options).get();
            if (!reply.isOk()) {
                throw new IllegalStateException("SDK request failed: " + reply.error());
            }
        });
    }

    Round gateway(int requests, int round) throws Exception {
        return measure(requests, () -> {
            int n = sequence.incrementAndGet();
            String body = "{\"model\":\"bench\",\"max_tokens\":" + maxTokens + ",\"temperature\":0,\"messages\":"
                    + "[{\"role\":\"user\",\"content\":\"" + question(n) + "\"}]}";
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(completions)
                    .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("gateway answered " + response.statusCode() + ": " + response.body());
            }
        });
    }

    private static String question(int n) {
        return "Question number " + n + ": what comes next?";
    }

    private interface Request {
        void run() throws Exception;
    }

    private Round measure(int requests, Request request) throws Exception {
        List<Double> latencies = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger left = new AtomicInteger(requests);
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        long started = System.nanoTime();
        try {
            List<Future<?>> loops = new ArrayList<>();
            for (int i = 0; i < concurrency; i++) {
                loops.add(pool.submit(() -> {
                    while (left.getAndDecrement() > 0) {
                        long sent = System.nanoTime();
                        request.run();
                        latencies.add((System.nanoTime() - sent) / 1e6);
                    }
                    return null;
                }));
            }
            for (Future<?> loop : loops) {
                loop.get();
            }
        } finally {
            pool.shutdownNow();
        }
        return new Round(new ArrayList<>(latencies), (System.nanoTime() - started) / 1e9);
    }
}
