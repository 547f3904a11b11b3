package dev.parley.gateway;

import dev.parley.gateway.auth.ApiKeys;
import dev.parley.gateway.auth.Tenant;
import dev.parley.gateway.http.LoopbackScreen;
import dev.parley.gateway.openai.Json;
import dev.parley.testkit.ParleyInfra;
import dev.parley.testkit.junit.ParleyInfraExtension;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The gateway's own limits, against a pool where no worker listens (every chat request waits): body size before the
 * body is read, JSON depth, slow bodies, per-tenant places, and the rules of a gateway without keys.
 */
@ExtendWith(ParleyInfraExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GatewayLimitsTest {

    private static final String KEY1 = "sk-limits-one";
    private static final String KEY2 = "sk-limits-two";
    private static final String KEY3 = "sk-limits-three";
    private static final long MAX_BODY = 1 << 20;
    private Gateway gateway;
    private Gateway open;
    private GatewayConfig.Builder base;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    void start(ParleyInfra infra) throws Exception {
        String prefix = "gwlim" + System.nanoTime();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(prefix + ".prompts", 1, (short) 1),
                    new NewTopic(prefix + ".replies", 1, (short) 1), new NewTopic(prefix + ".control", 1, (short) 1)))
                    .all().get();
        }
        base = GatewayConfig.builder().port(0).bootstrapServers(infra.bootstrapServers()).redisUri(infra.redisUri())
                .promptsTopic(prefix + ".prompts").repliesTopic(prefix + ".replies").controlTopic(prefix + ".control")
                .models(List.of("m")).requestTimeout(Duration.ofSeconds(30)).pingInterval(Duration.ofMillis(200))
                .maxBodyBytes(MAX_BODY).minBodyRate(100, Duration.ofSeconds(1)).bodyIdleTimeout(Duration.ofSeconds(5))
                .tenantMaxInFlight(2).tenantMaxStreams(1);
        gateway = Gateway.start(base.keys(ApiKeys.parse(List.of("one=" + KEY1, "two=" + KEY2, "three=" + KEY3))).build());
        open = Gateway.start(base.keys(ApiKeys.open(new Tenant("dev"))).host("127.0.0.1").build());
    }

    @AfterAll
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (open != null) {
            open.close();
        }
    }

    private static String chat(boolean stream) {
        return Json.write(Json.object("model", "m", "stream", stream,
                "messages", List.of(Json.object("role", "user", "content", "hello " + System.nanoTime()))));
    }

    private HttpRequest.Builder request(String path, String key) {
        return HttpRequest.newBuilder(URI.create(gateway.baseUrl().replace("/v1", "") + path))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json");
    }

    private HttpResponse<String> get(String path, String key) throws Exception {
        return http.send(request(path, key).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, String key, String body) throws Exception {
        return http.send(request(path, key).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String head(String method, String path, String host, String... headers) {
        StringBuilder head = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: " + host + "\r\n");
        for (String header : headers) {
            head.append(header).append("\r\n");
        }
        return head.toString();
    }

    @Test
    void aDeclaredOversizedBodyIs413BeforeAByteOfItIsSent() throws Exception {
        try (RawHttp raw = new RawHttp(gateway.port())) {
            raw.head(head("POST", "/v1/chat/completions", "localhost", "Authorization: Bearer " + KEY1,
                    "Content-Type: application/json", "Content-Length: " + (50L << 20)));
            String response = raw.response();
            assertThat(RawHttp.status(response)).as(response).isEqualTo(413);
            assertThat(response).contains("request_too_large");
        }
    }

    @Test
    void anEndlessChunkedBodyIsCutOffNearTheLimit() throws Exception {
        long total = 64L << 20;
        byte[] piece = new byte[64 << 10];
        String frame = Integer.toHexString(piece.length) + "\r\n";
        try (RawHttp raw = new RawHttp(gateway.port())) {
            raw.head(head("POST", "/v1/chat/completions", "localhost", "Authorization: Bearer " + KEY1,
                    "Content-Type: application/json", "Transfer-Encoding: chunked"));
            try {
                while (raw.sent() < total && !raw.answered()) {
                    raw.write(frame.getBytes(StandardCharsets.US_ASCII));
                    raw.write(piece);
                    raw.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                }
            } catch (IOException closed) {
                // the gateway answered and closed the connection: what matters is how much it took first
            }
            // It stopped taking the body near its 1 MiB limit (socket buffers hold a few MiB more), far from 64 MiB.
            assertThat(raw.sent()).isLessThan(16L << 20);
            String response = raw.response();
            if (!response.isEmpty()) {
                assertThat(RawHttp.status(response)).as(response).isEqualTo(413);
            }
        }
    }

    @Test
    void aDeeplyNestedBodyIs400() throws Exception {
        String deep = "[".repeat(200) + "]".repeat(200);
        String body = chat(false).replaceFirst("\\{", "{\"metadata_deep\":" + deep + ",");
        HttpResponse<String> response = post("/v1/chat/completions", KEY1, body);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        assertThat(response.body()).contains("nesting depth");
    }

    @Test
    void aTricklingClientIsCutOff() throws Exception {
        int length = 2000;
        try (RawHttp raw = new RawHttp(gateway.port())) {
            raw.head(head("POST", "/v1/chat/completions", "localhost", "Authorization: Bearer " + KEY2,
                    "Content-Type: application/json", "Content-Length: " + length));
            try {
                // 1 byte every 20 ms is about 50 bytes/s, under the 100 bytes/s this gateway asks for after 1 s.
                while (raw.sent() < length - 1 && !raw.answered()) {
                    raw.write(new byte[] {' '});
                    Thread.sleep(20);
                }
            } catch (IOException closed) {
                // cut off
            }
            assertThat(raw.sent()).as("the gateway waited for the whole trickled body").isLessThan(length - 1);
            String response = raw.response();
            assertThat(RawHttp.status(response)).as(response).isEqualTo(408);
        }
    }

    /** Opens a stream as tenant three and returns once its first event arrived: it holds its places from then on. */
    private Socket holdStream() throws IOException {
        Socket socket = new Socket("127.0.0.1", gateway.port());
        byte[] payload = chat(true).getBytes(StandardCharsets.UTF_8);
        OutputStream os = socket.getOutputStream();
        os.write(head("POST", "/v1/chat/completions", "localhost", "Authorization: Bearer " + KEY3,
                "Content-Type: application/json", "Content-Length: " + payload.length).concat("\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        os.write(payload);
        os.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null && !line.startsWith("data: ")) {
            // headers, until the first event
        }
        assertThat(line).as("the held stream started").isNotNull();
        return socket;
    }

    @Test
    void aTenantAtItsCapsGets429WhileAnotherIsServed() throws Exception {
        try (Socket held = holdStream()) {
            HttpResponse<String> secondStream = post("/v1/chat/completions", KEY3, chat(true));
            assertThat(secondStream.statusCode()).as(secondStream.body()).isEqualTo(429);
            assertThat(secondStream.headers().firstValue("Retry-After")).contains("1");
            assertThat(secondStream.body()).contains("streams");

            // A second request (not streamed) takes tenant three's last place while it waits for its reply. A
            // /v1/models probe can take that place first (then the chat request is the one refused) or the reply can
            // come before a probe is refused: either way the chat request is sent again, a bounded number of times.
            CompletableFuture<HttpResponse<String>> waiting = sendWaitingChat();
            HttpResponse<String> refused = get("/v1/models", KEY3);
            for (int resent = 0; refused.statusCode() != 429 || waiting.isDone(); refused = get("/v1/models", KEY3)) {
                if (waiting.isDone()) {
                    assertThat(resent++).as("the chat request never held tenant three's last place").isLessThan(20);
                    waiting = sendWaitingChat();
                }
            }
            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(429);
            assertThat(refused.headers().firstValue("Retry-After")).contains("1");

            assertThat(get("/v1/models", KEY2).statusCode()).isEqualTo(200);
            waiting.cancel(true);
        }
        assertThat(gateway.metrics().registry().get("parley.gateway.refused").tag("reason", "tenant_streams")
                .counter().count()).isEqualTo(1.0);
        assertThat(gateway.metrics().registry().get("parley.gateway.refused").tag("reason", "tenant_requests")
                .counter().count()).isGreaterThanOrEqualTo(1.0);
    }

    private CompletableFuture<HttpResponse<String>> sendWaitingChat() {
        return http.sendAsync(request("/v1/chat/completions", KEY3)
                .POST(HttpRequest.BodyPublishers.ofString(chat(false))).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void noAuthIsRefusedOffLoopback() {
        assertThatThrownBy(() -> base.keys(ApiKeys.open(new Tenant("dev"))).host("0.0.0.0").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("loopback");
        assertThat(LoopbackScreen.isLoopback("localhost")).isTrue();
        assertThat(LoopbackScreen.isLoopback("::1")).isTrue();
    }

    @Test
    void withoutKeysOnlyLoopbackHostsAndJsonBodiesAreTaken() throws Exception {
        int port = open.port();
        try (RawHttp raw = new RawHttp(port)) {
            raw.head(head("GET", "/v1/models", "attacker.example:" + port));
            assertThat(RawHttp.status(raw.response())).isEqualTo(403);
        }
        try (RawHttp raw = new RawHttp(port)) {
            raw.head(head("GET", "/v1/models", "localhost:" + port));
            assertThat(RawHttp.status(raw.response())).isEqualTo(200);
        }
        byte[] body = "{\"model\":\"m\",\"messages\":[]}".getBytes(StandardCharsets.UTF_8);
        for (String type : List.of("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x")) {
            try (RawHttp raw = new RawHttp(port)) {
                raw.head(head("POST", "/v1/chat/completions", "127.0.0.1:" + port, "Content-Type: " + type,
                        "Content-Length: " + body.length));
                raw.write(body);
                String response = raw.response();
                assertThat(RawHttp.status(response)).as(type + ": " + response).isEqualTo(415);
            }
        }
        try (RawHttp raw = new RawHttp(port)) {
            raw.head(head("POST", "/v1/chat/completions", "127.0.0.1:" + port, "Content-Type: application/json",
                    "Content-Length: " + body.length));
            raw.write(body);
            assertThat(RawHttp.status(raw.response())).as("JSON is taken (and the empty messages refused)")
                    .isEqualTo(400);
        }
    }
}
