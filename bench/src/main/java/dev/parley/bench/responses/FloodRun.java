package dev.parley.bench.responses;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Aim 3: a flood of interactive requests, all at once, twice what the pool can take (its slots generating plus the
 * admission bound waiting). Each is either answered or refused with 429 (and {@code Retry-After}) within its
 * deadline; anything else (a timeout, an error, an answer past the deadline) counts against the aim.
 */
final class FloodRun {

    /** One request's outcome: its status and how long it took. */
    record Outcome(int status, double seconds, boolean retryAfter) {
    }

    /** The counts, and the slowest answer and refusal. */
    record Counts(int requests, int answered, int refused, int other, double slowestAnswer, double slowestRefusal,
                  double deadlineSeconds) {

        boolean met() {
            return other == 0 && answered + refused == requests;
        }
    }

    private final ResponsesHttp http;
    private final String model;

    FloodRun(ResponsesHttp http, String model) {
        this.http = http;
        this.model = model;
    }

    Counts run(String baseUrl, int requests, int maxTokens, Duration deadline) throws Exception {
        ExecutorService callers = Executors.newFixedThreadPool(requests);
        try {
            List<Future<Outcome>> sent = new ArrayList<>();
            for (int i = 0; i < requests; i++) {
                int n = i;
                sent.add(callers.submit(() -> call(baseUrl, n, maxTokens, deadline)));
            }
            int answered = 0;
            int refused = 0;
            int other = 0;
            double slowestAnswer = 0;
            double slowestRefusal = 0;
            for (Future<Outcome> future : sent) {
                Outcome outcome = future.get();
                boolean inTime = outcome.seconds() <= deadline.toSeconds();
                if (outcome.status() == 200 && inTime) {
                    answered++;
                    slowestAnswer = Math.max(slowestAnswer, outcome.seconds());
                } else if (outcome.status() == 429 && outcome.retryAfter() && inTime) {
                    refused++;
                    slowestRefusal = Math.max(slowestRefusal, outcome.seconds());
                } else {
                    other++;
                }
            }
            return new Counts(requests, answered, refused, other, slowestAnswer, slowestRefusal, deadline.toSeconds());
        } finally {
            callers.shutdownNow();
        }
    }

    private Outcome call(String baseUrl, int n, int maxTokens, Duration deadline) {
        long start = System.nanoTime();
        try {
            // The client waits a little longer than the deadline, so a late answer is seen as late, not as a timeout.
            HttpResponse<String> response = http.postJson(baseUrl + "/chat/completions", Map.of("model", model,
                    "max_tokens", maxTokens, "temperature", 0, "messages", List.of(Map.of("role", "user",
                            "content", "Flood request " + n + ": write a short poem about the sea."))),
                    deadline.plusSeconds(30));
            return new Outcome(response.statusCode(), (System.nanoTime() - start) / 1e9,
                    response.headers().firstValue("Retry-After").isPresent());
        } catch (Exception e) {
            return new Outcome(-1, (System.nanoTime() - start) / 1e9, false);
        }
    }
}
