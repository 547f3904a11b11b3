package dev.parley.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.gateway.auth.ApiKeys;
import dev.parley.gateway.batch.StorageLimits;
import dev.parley.gateway.openai.Json;
import dev.parley.testkit.ParleyInfra;
import dev.parley.testkit.junit.ParleyInfraExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import redis.clients.jedis.RedisClient;
import tools.jackson.databind.JsonNode;

/**
 * Files and batches are bounded per tenant and expire (audit H3): uploads over the size limit or the tenant's bytes,
 * files or batches are refused, every key has a time to live, and files can be listed and deleted in OpenAI's shapes.
 * No model: nothing here is answered by a worker.
 */
@ExtendWith(ParleyInfraExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FilesApiTest {

    private static final StorageLimits LIMITS = new StorageLimits(1000, 1500, 3, 2, Duration.ofDays(2), Duration.ofDays(1));
    private final String run = "files" + System.nanoTime();
    private final HttpClient http = HttpClient.newHttpClient();
    private Gateway gateway;
    private RedisClient redis;

    @BeforeAll
    void start(ParleyInfra infra) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(run + ".prompts", 1, (short) 1),
                    new NewTopic(run + ".replies", 1, (short) 1), new NewTopic(run + ".control", 1, (short) 1)))
                    .all().get();
        }
        List<String> keys = new ArrayList<>();
        for (String tenant : List.of("expiry", "listing", "big", "quota", "batches", "other")) {
            keys.add(tenant + "=" + key(tenant));
        }
        gateway = Gateway.start(GatewayConfig.builder().port(0).bootstrapServers(infra.bootstrapServers())
                .redisUri(infra.redisUri()).promptsTopic(run + ".prompts").repliesTopic(run + ".replies")
                .controlTopic(run + ".control").modelsTopic(run + ".models").models(List.of("m"))
                .keys(ApiKeys.parse(keys)).storage(LIMITS).requestTimeout(Duration.ofSeconds(5)).build());
        redis = RedisClient.create(URI.create(infra.redisUri()));
    }

    @AfterAll
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    private String key(String tenant) {
        return "sk-" + tenant + "-" + run;
    }

    private HttpResponse<String> upload(String tenant, String content, String... extraFields) throws Exception {
        StringBuilder body = new StringBuilder("--b0undary\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n");
        for (int i = 0; i < extraFields.length; i += 2) {
            body.append("--b0undary\r\nContent-Disposition: form-data; name=\"").append(extraFields[i])
                    .append("\"\r\n\r\n").append(extraFields[i + 1]).append("\r\n");
        }
        body.append("--b0undary\r\nContent-Disposition: form-data; name=\"file\"; filename=\"in.jsonl\"\r\n\r\n")
                .append(content).append("\r\n--b0undary--\r\n");
        return send(tenant, HttpRequest.newBuilder(uri("/files"))
                .header("Content-Type", "multipart/form-data; boundary=b0undary")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())));
    }

    private URI uri(String path) {
        return URI.create(gateway.baseUrl() + path);
    }

    private HttpResponse<String> send(String tenant, HttpRequest.Builder request) throws Exception {
        return http.send(request.header("Authorization", "Bearer " + key(tenant)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String tenant, String path) throws Exception {
        return send(tenant, HttpRequest.newBuilder(uri(path)).GET());
    }

    private static JsonNode json(HttpResponse<String> response) {
        return Json.mapper().readTree(response.body());
    }

    @Test
    void everyFileExpiresByDefaultAfterTheFileTtlOrWhenItsUploadAsks() throws Exception {
        JsonNode plain = json(upload("expiry", "{}"));
        JsonNode asked = json(upload("expiry", "{}", "expires_after[anchor]", "created_at", "expires_after[seconds]", "3600"));

        assertThat(plain.get("expires_at").asLong() - plain.get("created_at").asLong()).isEqualTo(2 * 86400);
        assertThat(asked.get("expires_at").asLong() - asked.get("created_at").asLong()).isEqualTo(3600);
        String prefix = "parley:gateway:{expiry}:file:";
        assertThat(redis.ttl(prefix + plain.get("id").asString())).isBetween(86400L, 2 * 86400L);
        assertThat(redis.ttl(prefix + plain.get("id").asString() + ":content")).isBetween(86400L, 2 * 86400L);
        assertThat(redis.ttl(prefix + asked.get("id").asString() + ":content")).isBetween(1L, 3600L);
        assertThat(redis.ttl("parley:gateway:{expiry}:files")).isPositive();
        assertThat(upload("expiry", "{}", "expires_after[anchor]", "created_at", "expires_after[seconds]", "60")
                .statusCode()).as("OpenAI's lower bound is an hour").isEqualTo(400);
    }

    @Test
    void filesAreListedNewestFirstDownloadedAndDeletedInOpenAisShapes() throws Exception {
        String first = json(upload("listing", "{\"a\":1}")).get("id").asString();
        String second = json(upload("listing", "{\"b\":2}")).get("id").asString();

        JsonNode list = json(get("listing", "/files"));
        assertThat(list.get("object").asString()).isEqualTo("list");
        assertThat(list.get("data")).extracting(f -> f.get("id").asString()).containsExactlyInAnyOrder(first, second);
        assertThat(list.get("data").get(0).get("object").asString()).isEqualTo("file");
        assertThat(json(get("other", "/files")).get("data")).extracting(f -> f.get("id").asString())
                .doesNotContain(first, second);
        assertThat(get("listing", "/files/" + first + "/content").body()).isEqualTo("{\"a\":1}");
        assertThat(send("other", HttpRequest.newBuilder(uri("/files/" + first)).DELETE()).statusCode())
                .as("another tenant's file").isEqualTo(404);

        HttpResponse<String> deleted = send("listing", HttpRequest.newBuilder(uri("/files/" + first)).DELETE());
        assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(200);
        assertThat(json(deleted).get("deleted").asBoolean()).isTrue();
        assertThat(json(deleted).get("id").asString()).isEqualTo(first);
        assertThat(get("listing", "/files/" + first).statusCode()).isEqualTo(404);
        assertThat(get("listing", "/files/" + first + "/content").statusCode()).isEqualTo(404);
        assertThat(redis.exists("parley:gateway:{listing}:file:" + first + ":content")).isFalse();
        assertThat(json(get("listing", "/files")).get("data")).extracting(f -> f.get("id").asString())
                .containsExactly(second);
    }

    @Test
    void anUploadOverTheSizeLimitIsRefusedAndLeavesNothing() throws Exception {
        HttpResponse<String> refused = upload("big", "x".repeat(1001));

        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(413);
        assertThat(json(refused).get("error").get("code").asString()).isEqualTo("file_too_large");
        assertThat(redis.keys("parley:gateway:{big}:file:*")).isEmpty();
        assertThat(upload("big", "x".repeat(1000)).statusCode()).isEqualTo(200);
    }

    @Test
    void aTenantPastItsBytesOrFileCountIsRefusedUntilItDeletes() throws Exception {
        String kept = json(upload("quota", "x".repeat(700))).get("id").asString();
        assertThat(upload("quota", "y".repeat(700)).statusCode()).isEqualTo(200);

        HttpResponse<String> overBytes = upload("quota", "z".repeat(200));
        assertThat(overBytes.statusCode()).as(overBytes.body()).isEqualTo(400);
        assertThat(json(overBytes).get("error").get("code").asString()).isEqualTo("storage_quota_exceeded");
        assertThat(upload("other", "z".repeat(200)).statusCode()).as("another tenant is not affected").isEqualTo(200);

        send("quota", HttpRequest.newBuilder(uri("/files/" + kept)).DELETE());
        assertThat(upload("quota", "a").statusCode()).isEqualTo(200);
        assertThat(upload("quota", "b").statusCode()).isEqualTo(200);
        HttpResponse<String> overCount = upload("quota", "c");
        assertThat(overCount.statusCode()).as(overCount.body()).isEqualTo(400);
        assertThat(json(overCount).get("error").get("message").asString()).contains("files");
    }

    @Test
    void batchesAreCountedPerTenantAndExpire() throws Exception {
        String input = json(upload("batches", "not a request line")).get("id").asString();
        String body = Json.write(Json.object("input_file_id", input, "endpoint", "/v1/chat/completions",
                "completion_window", "24h"));
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            HttpResponse<String> created = send("batches", HttpRequest.newBuilder(uri("/batches"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)));
            assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
            ids.add(json(created).get("id").asString());
        }
        HttpResponse<String> third = send("batches", HttpRequest.newBuilder(uri("/batches"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)));

        assertThat(third.statusCode()).as(third.body()).isEqualTo(400);
        assertThat(json(third).get("error").get("code").asString()).isEqualTo("storage_quota_exceeded");
        for (String id : ids) {
            assertThat(redis.ttl("parley:gateway:{batches}:batch:" + id)).isBetween(1L, 86400L);
        }
    }
}
