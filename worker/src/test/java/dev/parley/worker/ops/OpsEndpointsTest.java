package dev.parley.worker.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.parley.client.ParleyClient;
import dev.parley.client.SendOptions;
import dev.parley.schemas.GenerationParams;
import dev.parley.schemas.Reply;
import dev.parley.testkit.ParleyInfra;
import dev.parley.testkit.junit.ParleyInfraExtension;
import dev.parley.testkit.redis.RedisServer;
import dev.parley.worker.cli.WorkerRuntime;
import dev.parley.worker.config.SettingsLoader;
import dev.parley.worker.metrics.ParleyMeter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A worker process's parts with their HTTP endpoints: /metrics after real traffic, /ready through a Redis outage. */
@ExtendWith(ParleyInfraExtension.class)
class OpsEndpointsTest {

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void metricsCountTheTrafficAndReadinessFollowsRedis(ParleyInfra infra, ParleyInfraExtension.TestModels models)
            throws Exception {
        String prefix = "ops" + System.nanoTime();
        try (RedisServer redis = RedisServer.launch();
             WorkerRuntime runtime = WorkerRuntime.start(new SettingsLoader().flags(Map.of(
                     "bootstrap", infra.bootstrapServers(), "redis", redis.uri(), "model", models.tiny().toString(),
                     "slots", "2", "context-per-slot", "512", "http-port", "0", "partitions", "2",
                     "prompts-topic", prefix + ".prompts", "replies-topic", prefix + ".replies",
                     "dlq-topic", prefix + ".dlq")).flags(Map.of("group-id", prefix, "worker-id", "ops-worker")).load());
             ParleyClient client = ParleyClient.builder().bootstrapServers(infra.bootstrapServers())
                     .promptsTopic(prefix + ".prompts").repliesTopic(prefix + ".replies").build()) {
            String base = "http://127.0.0.1:" + runtime.httpPort();
            await().atMost(Duration.ofSeconds(30)).until(() -> get(base + "/ready").statusCode() == 200);
            assertThat(get(base + "/health").statusCode()).isEqualTo(200);
            assertThat(get(base + "/health").body()).contains("\"control\":\"UP\"");

            List<CompletableFuture<Reply>> futures = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                futures.add(client.send(prefix + "-c" + i, "hello " + i,
                        SendOptions.builder().params(GenerationParams.DEFAULTS.withMaxTokens(6)).build()));
            }
            long completionTokens = futures.stream().map(CompletableFuture::join)
                    .mapToLong(r -> r.usage().completionTokens()).sum();

            Scrape scrape = Scrape.parse(get(base + "/metrics").body());
            for (ParleyMeter meter : ParleyMeter.values()) {
                String expectedType = switch (meter.type()) {
                    case COUNTER -> "counter";
                    case GAUGE -> "gauge";
                    case TIMER -> "histogram";
                };
                String family = meter.prometheusName();
                if (java.util.Set.of(ParleyMeter.PROMPTS_REJECTED, ParleyMeter.TURN_RETRIES, ParleyMeter.RETRIES,
                        ParleyMeter.DEAD_LETTERS_DROPPED, ParleyMeter.CANCELS_UNSTORED, ParleyMeter.TURN_FAILURES, ParleyMeter.STRUCTURED_OUTPUT,
                        ParleyMeter.QUOTA_TOKENS_CHARGED, ParleyMeter.QUOTA_TURNS_LIMITED, ParleyMeter.QUOTA_FAILURES)
                        .contains(meter)) {
                    continue; // registered on first use, with their tag
                }
                assertThat(scrape.types).as(meter.meterName()).containsEntry(family, expectedType);
            }
            assertThat(scrape.value("parley_completion_tokens_total")).isEqualTo(completionTokens);
            assertThat(scrape.value("parley_turns_total{status=\"ok\"}")).isGreaterThanOrEqualTo(5);
            assertThat(scrape.value("parley_turn_duration_seconds_count")).isGreaterThanOrEqualTo(5);
            assertThat(scrape.value("parley_slots_busy")).isBetween(0.0, 2.0);
            assertThat(scrape.value("parley_worker_part_healthy{part=\"control\"}")).isEqualTo(1.0);
            assertThat(scrape.types).containsKey("kafka_consumer_fetch_manager_records_lag_max");
            assertThat(scrape.types).containsKey("jvm_memory_used_bytes");

            redis.stop();
            await().atMost(Duration.ofSeconds(30)).until(() -> get(base + "/ready").statusCode() == 503);
            assertThat(get(base + "/ready").body()).contains("\"redis_reachable\":false");
            redis.start();
            await().atMost(Duration.ofSeconds(30)).until(() -> get(base + "/ready").statusCode() == 200);
        }
    }

    private HttpResponse<String> get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** A Prometheus text exposition, parsed just enough: TYPE lines and sample values. */
    private record Scrape(Map<String, String> types, Map<String, Double> samples) {
        static Scrape parse(String text) {
            Map<String, String> types = new HashMap<>();
            Map<String, Double> samples = new HashMap<>();
            for (String line : text.split("\n")) {
                if (line.startsWith("# TYPE ")) {
                    String[] parts = line.split(" ");
                    types.put(parts[2], parts[3]);
                } else if (!line.startsWith("#") && !line.isBlank()) {
                    int space = line.lastIndexOf(' ');
                    samples.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
                }
            }
            return new Scrape(types, samples);
        }

        double value(String sample) {
            Double value = samples.get(sample);
            assertThat(value).as("sample " + sample + " in " + samples.keySet()).isNotNull();
            return value;
        }
    }
}
