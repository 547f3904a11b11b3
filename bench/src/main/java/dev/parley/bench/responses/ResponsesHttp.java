package dev.parley.bench.responses;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The bench's HTTP side of {@code /v1/responses}: streamed requests read event by event (time to the first text
 * delta measured from the send), cut off after some events, and resumed with {@code starting_after}.
 */
final class ResponsesHttp {

    static final JsonMapper JSON = JsonMapper.builder().build();

    /** What one stream delivered: its events' sequence numbers, the final response, and the time to its first text. */
    record Streamed(String id, List<Integer> sequence, JsonNode response, double ttftMs, int status) {

        String text() {
            return response == null ? "" : response.path("output").path(0).path("content").path(0).path("text")
                    .asString("");
        }

        int cachedTokens() {
            return response == null ? 0 : response.path("usage").path("input_tokens_details").path("cached_tokens")
                    .asInt();
        }

        int inputTokens() {
            return response == null ? 0 : response.path("usage").path("input_tokens").asInt();
        }
    }

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final String key;

    ResponsesHttp(String key) {
        this.key = key;
    }

    /** POSTs a streamed request and reads it to its end. */
    Streamed stream(String baseUrl, Map<String, Object> body, Map<String, String> headers)
            throws IOException, InterruptedException {
        return read(post(baseUrl + "/responses", body, headers), Integer.MAX_VALUE);
    }

    /** POSTs a streamed request, reads it until {@code deltas} text deltas came, and hangs up. */
    Streamed cut(String baseUrl, Map<String, Object> body, int deltas) throws IOException, InterruptedException {
        return read(post(baseUrl + "/responses", body, Map.of()), deltas);
    }

    /** {@code GET /responses/{id}?stream=true&starting_after=N}, read to its end. */
    Streamed resume(String baseUrl, String id, int startingAfter) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + "/responses/" + id + "?stream=true"
                + "&starting_after=" + startingAfter)).header("Authorization", "Bearer " + key).GET().build();
        return read(new Sent(http.send(request, HttpResponse.BodyHandlers.ofInputStream()), System.nanoTime()),
                Integer.MAX_VALUE);
    }

    /** A POST with a JSON body, answered whole (the flood's non-streamed requests). */
    HttpResponse<String> postJson(String url, Map<String, Object> body, Duration timeout)
            throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(timeout)
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** A GET, answered whole. */
    HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + key).GET()
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private record Sent(HttpResponse<InputStream> response, long sentNanos) {
    }

    private Sent post(String url, Map<String, Object> body, Map<String, String> headers)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
        headers.forEach(request::header);
        long sent = System.nanoTime();
        return new Sent(http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream()), sent);
    }

    /** Reads server-sent events until the stream ends or {@code maxDeltas} text deltas came (then hangs up). */
    private static Streamed read(Sent sent, int maxDeltas) throws IOException {
        List<Integer> sequence = new ArrayList<>();
        JsonNode response = null;
        String id = null;
        double ttft = -1;
        int deltas = 0;
        try (InputStream body = sent.response().body();
             BufferedReader lines = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
            if (sent.response().statusCode() != 200) {
                return new Streamed(null, sequence, JSON.readTree(lines.lines().reduce("", String::concat)), -1,
                        sent.response().statusCode());
            }
            String line;
            while (deltas < maxDeltas && (line = lines.readLine()) != null) {
                if (!line.startsWith("data: ")) {
                    continue;
                }
                JsonNode event = JSON.readTree(line.substring(6));
                sequence.add(event.path("sequence_number").asInt());
                String type = event.path("type").asString("");
                if (type.equals("response.created")) {
                    id = event.path("response").path("id").asString();
                } else if (type.equals("response.output_text.delta")) {
                    if (ttft < 0) {
                        ttft = (System.nanoTime() - sent.sentNanos()) / 1e6;
                    }
                    deltas++;
                } else if (type.equals("response.completed") || type.equals("response.incomplete")) {
                    response = event.path("response");
                    id = response.path("id").asString();
                } else if (type.equals("error")) {
                    return new Streamed(id, sequence, event, ttft, 200); // no response: the caller reports the event
                }
            }
        }
        return new Streamed(id, sequence, response, ttft, 200);
    }
}
