package dev.parley.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.gateway.auth.ApiKeys;
import dev.parley.gateway.openai.Json;
import dev.parley.testkit.ParleyInfra;
import dev.parley.testkit.junit.ParleyInfraExtension;
import io.micrometer.core.instrument.Timer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;

/**
 * Statuses that need no model: a pool where no worker listens (504 after the request timeout), the in-flight bound
 * (429), unknown URLs and methods, missing keys, health and metrics.
 */
@ExtendWith(ParleyInfraExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ErrorStatusTest {

    private static final String KEY = "sk-errors";
    private Gateway gateway;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    void start(ParleyInfra infra) throws Exception {
        String prefix = "gwerr" + System.nanoTime();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(prefix + ".prompts", 1, (short) 1),
                    new NewTopic(prefix + ".replies", 1, (short) 1), new NewTopic(prefix + ".control", 1, (short) 1)))
                    .all().get();
        }
        // Nobody reads the prompts topic: every chat request waits out its timeout.
        gateway = Gateway.start(GatewayConfig.builder().port(0).bootstrapServers(infra.bootstrapServers())
                .redisUri(infra.redisUri()).promptsTopic(prefix + ".prompts").repliesTopic(prefix + ".replies")
                .controlTopic(prefix + ".control").models(List.of("m")).keys(ApiKeys.parse(List.of("t=" + KEY)))
                .requestTimeout(Duration.ofSeconds(3)).maxInFlight(1).pingInterval(Duration.ofMillis(500)).build());
    }

    @AfterAll
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
    }

    private static String chat(boolean stream) {
        return Json.write(Json.object("model", "m", "stream", stream,
                "messages", List.of(Json.object("role", "user", "content", "hello " + System.nanoTime()))));
    }

    private HttpResponse<String> send(String method, String path, String body, boolean withKey) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(gateway.baseUrl().replace("/v1", "") + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (withKey) {
            request.header("Authorization", "Bearer " + KEY);
        }
        return http.send(request.header("Content-Type", "application/json").build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode error(HttpResponse<String> response) {
        return Json.mapper().readTree(response.body()).get("error");
    }

    @Test
    void noReplyWithinTheTimeoutIs504() throws Exception {
        HttpResponse<String> response = send("POST", "/v1/chat/completions", chat(false), true);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(504);
        assertThat(error(response).get("code").asString()).isEqualTo("timeout");
        assertThat(error(response).get("type").asString()).isEqualTo("server_error");
    }

    @Test
    void requestsPastTheInFlightBoundAre429() throws Exception {
        URI base = URI.create(gateway.baseUrl());
        byte[] payload = chat(true).getBytes(StandardCharsets.UTF_8);
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            OutputStream os = socket.getOutputStream();
            os.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + KEY
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + payload.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            os.write(payload);
            os.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null && !line.startsWith("data: ")) {
                // headers, until the first event: the stream holds the one in-flight place now
            }
            assertThat(line).isNotNull();

            HttpResponse<String> refused = send("POST", "/v1/chat/completions", chat(false), true);
            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(429);
            assertThat(error(refused).get("type").asString()).isEqualTo("rate_limit_error");
            HttpResponse<String> responses = send("POST", "/v1/responses", Json.write(Json.object("model", "m",
                    "input", "hello")), true);
            assertThat(responses.statusCode()).as("one bound for chat and responses: " + responses.body())
                    .isEqualTo(429);

            // The held stream ends with an error event once its timeout runs out, then [DONE].
            StringBuilder rest = new StringBuilder();
            while ((line = in.readLine()) != null && !line.contains("[DONE]")) {
                rest.append(line).append('\n');
            }
            assertThat(rest.toString()).contains("\"error\"").contains("\"timeout\"");
        }
    }

    @Test
    void unknownUrlsMethodsAndKeysAnswerInOpenAisShape() throws Exception {
        assertThat(send("GET", "/v1/nothing", null, true).statusCode()).isEqualTo(404);
        HttpResponse<String> wrongMethod = send("DELETE", "/v1/models", null, true);
        assertThat(wrongMethod.statusCode()).isEqualTo(405);
        assertThat(wrongMethod.headers().firstValue("Allow")).contains("GET");
        // Refused by Jetty before any route runs, still in OpenAI's error shape.
        HttpResponse<String> ambiguous = send("GET", "/v1/files/a%2Fb", null, true);
        assertThat(ambiguous.statusCode()).isEqualTo(400);
        assertThat(ambiguous.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/json"));
        assertThat(error(ambiguous).get("type").asString()).isEqualTo("invalid_request_error");
        // Jetty writes error bodies for GET, POST and HEAD only unless told otherwise (Schemathesis found this one).
        HttpResponse<String> ambiguousDelete = send("DELETE", "/v1/files/a%2Fb", null, true);
        assertThat(ambiguousDelete.statusCode()).isEqualTo(400);
        assertThat(error(ambiguousDelete).get("type").asString()).isEqualTo("invalid_request_error");
        HttpResponse<String> noKey = send("GET", "/v1/models", null, false);
        assertThat(noKey.statusCode()).isEqualTo(401);
        assertThat(error(noKey).get("code").asString()).isEqualTo("invalid_api_key");
        HttpResponse<String> file = send("GET", "/v1/files/file-missing", null, true);
        assertThat(file.statusCode()).isEqualTo(404);
        assertThat(error(file).get("code").asString()).isEqualTo("file_not_found");
        HttpResponse<String> model = send("GET", "/v1/models/other", null, true);
        assertThat(model.statusCode()).isEqualTo(404);
        assertThat(send("POST", "/v1/chat/completions", "{not json", true).statusCode()).isEqualTo(400);
        String hugeTopK = chat(false).replaceFirst("\\{", "{\"top_k\":100000000000000000000,");
        HttpResponse<String> huge = send("POST", "/v1/chat/completions", hugeTopK, true);
        assertThat(huge.statusCode()).as(huge.body()).isEqualTo(400);
    }

    @Test
    void junkMethodsAndPathsCreateNoNewMeters() throws Exception {
        for (int i = 1; i <= 200; i++) {
            assertThat(send("JUNK" + i, "/v1/models", null, false).statusCode()).isEqualTo(405);
            assertThat(send("GET", "/junk/" + i, null, false).statusCode()).isEqualTo(404);
        }

        Collection<Timer> timers = gateway.metrics().registry().find("parley.gateway.requests").timers();
        assertThat(timers).extracting(timer -> timer.getId().getTag("method"))
                .allMatch(method -> Set.of("GET", "POST", "other").contains(method));
        Collection<Timer> junkMethods = gateway.metrics().registry().find("parley.gateway.requests")
                .tag("method", "other").timers();
        assertThat(junkMethods).hasSize(1);
        assertThat(junkMethods.iterator().next().count()).isEqualTo(200);
        Collection<Timer> junkPaths = gateway.metrics().registry().find("parley.gateway.requests")
                .tag("route", "unmatched").tag("status", "404").timers();
        assertThat(junkPaths).hasSize(1);
        assertThat(send("GET", "/metrics", null, false).body()).doesNotContain("JUNK");
    }

    @Test
    void healthAndMetricsNeedNoKey() throws Exception {
        HttpResponse<String> health = send("GET", "/health", null, false);
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(Json.mapper().readTree(health.body()).get("redis").asBoolean()).isTrue();
        send("GET", "/v1/models", null, true);
        String metrics = send("GET", "/metrics", null, false).body();
        assertThat(metrics).contains("parley_gateway_requests_seconds_count{method=\"GET\",route=\"/v1/models\",status=\"200\"}");
        assertThat(metrics).contains("parley_gateway_streams_open");
    }
}
