package dev.parley.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.parley.gateway.openai.Json;
import dev.parley.testkit.ParleyInfra;
import dev.parley.testkit.junit.ParleyInfraExtension;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.RedisClient;
import tools.jackson.databind.JsonNode;

/** The stream as raw HTTP: {@code curl -N} sees well-formed events; a client that hangs up cancels its request. */
@ExtendWith(ParleyInfraExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StreamOverHttpTest {

    private PoolFixture pool;
    private Gateway gateway;

    @TempDir
    Path tmp;

    @BeforeAll
    void start(ParleyInfra infra, ParleyInfraExtension.TestModels models) {
        pool = new PoolFixture(infra, models);
        gateway = Gateway.start(pool.gatewayConfig().build());
    }

    @AfterAll
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (pool != null) {
            pool.close();
        }
    }

    private String body(int maxTokens, String question) {
        return Json.write(Json.object("model", PoolFixture.MODEL, "stream", true, "max_tokens", maxTokens,
                "messages", List.of(Json.object("role", "user", "content", question + " " + System.nanoTime()))));
    }

    @Test
    void curlSeesChunkEventsThenDone() throws Exception {
        Path out = tmp.resolve("stream.txt");
        Process curl = new ProcessBuilder("curl", "-sS", "-N", "-H", "Authorization: Bearer " + pool.alphaKey,
                "-H", "Content-Type: application/json", "-d", body(16, "Name three rivers."),
                gateway.baseUrl() + "/chat/completions").redirectErrorStream(true).redirectOutput(out.toFile()).start();
        assertThat(curl.waitFor(5, TimeUnit.MINUTES)).isTrue();
        List<String> lines = Files.readAllLines(out).stream().filter(line -> !line.isBlank()).toList();
        assertThat(curl.exitValue()).as(String.join("\n", lines)).isZero();

        assertThat(lines.get(lines.size() - 1)).isEqualTo("data: [DONE]");
        StringBuilder text = new StringBuilder();
        String finish = null;
        int events = 0;
        for (String line : lines.subList(0, lines.size() - 1)) {
            if (line.startsWith(":")) {
                continue; // a ping comment
            }
            if (line.startsWith("id: ")) {
                // what a client resumes after: <request id>:<n>, counting the events from 0
                assertThat(line).endsWith(":" + events++);
                continue;
            }
            assertThat(line).startsWith("data: ");
            JsonNode chunk = Json.mapper().readTree(line.substring(6));
            assertThat(chunk.get("object").asString()).isEqualTo("chat.completion.chunk");
            JsonNode choice = chunk.get("choices").get(0);
            text.append(choice.get("delta").path("content").asString(""));
            assertThat(choice.get("delta").has("reasoning_content")).as("SmolLM2's template shows no reasoning")
                    .isFalse();
            if (!choice.get("finish_reason").isNull()) {
                finish = choice.get("finish_reason").asString();
            }
        }
        assertThat(text.toString()).isNotBlank();
        assertThat(finish).isIn("stop", "length");
        assertThat(events).as("every event has an id").isEqualTo(lines.stream().filter(l -> l.startsWith("data: ")
                && !l.equals("data: [DONE]")).count());
    }

    @Test
    void aClientThatHangsUpCancelsItsRequest() throws Exception {
        // The answer is sampled: now and then the model ends it within the first chunks, before the hang-up reaches
        // the worker, and such an attempt says nothing about cancelling. A new request then (three at most).
        JsonNode reply = null;
        double abandonedBefore = 0;
        for (int attempt = 0; attempt < 3; attempt++) {
            abandonedBefore = metric("parley_gateway_streams_abandoned_total");
            reply = hangUpAfterFirstContent();
            if (!reply.get("status").asString().equals("ok")) {
                break;
            }
        }
        assertThat(reply.get("status").asString()).isEqualTo("cancelled");
        assertThat(reply.path("usage").path("completion_tokens").asInt()).isLessThan(400);
        double expected = abandonedBefore + 1; // the stream of the cancelled attempt, exactly once
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(metric("parley_gateway_streams_abandoned_total"))
                .isEqualTo(expected));
    }

    /** Sends a streamed request, hangs up at its first generated text, and returns the reply the worker stored. */
    private JsonNode hangUpAfterFirstContent() throws Exception {
        URI base = URI.create(gateway.baseUrl());
        byte[] payload = body(400, "Write a very long story about a lighthouse keeper.").getBytes(StandardCharsets.UTF_8);
        String conversation = null;
        String requestId = null;
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            OutputStream os = socket.getOutputStream();
            os.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: " + base.getHost() + "\r\nAuthorization: Bearer "
                    + pool.alphaKey + "\r\nContent-Type: application/json\r\nContent-Length: " + payload.length
                    + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            os.write(payload);
            os.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            List<String> seen = new ArrayList<>();
            String line;
            while ((line = in.readLine()) != null) {
                seen.add(line);
                String lower = line.toLowerCase(Locale.ROOT);
                if (lower.startsWith("x-parley-conversation-id:")) {
                    conversation = line.substring(line.indexOf(':') + 1).strip();
                } else if (lower.startsWith("x-parley-request-id:")) {
                    requestId = line.substring(line.indexOf(':') + 1).strip();
                }
                if (line.contains("\"content\":\"") && !line.contains("\"content\":\"\"")) {
                    break; // the first generated text: hang up mid-answer
                }
            }
            assertThat(line).as("a content chunk arrived: " + seen).isNotNull();
        }
        assertThat(conversation).isNotNull();
        assertThat(requestId).isNotNull();

        String repliesKey = "parley:{" + conversation + "}:replies";
        String id = requestId;
        try (RedisClient redis = RedisClient.create(URI.create(pool.infra.redisUri()))) {
            await().atMost(Duration.ofMinutes(2)).until(() -> redis.hget(repliesKey, id) != null);
            return Json.mapper().readTree(redis.hget(repliesKey, id));
        }
    }

    private double metric(String name) throws Exception {
        var http = java.net.http.HttpClient.newHttpClient();
        String text = http.send(java.net.http.HttpRequest.newBuilder(URI.create(gateway.baseUrl().replace("/v1", "/metrics")))
                .build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        return text.lines().filter(line -> line.startsWith(name)).mapToDouble(line -> Double.parseDouble(
                line.substring(line.lastIndexOf(' ') + 1))).sum();
    }
}
