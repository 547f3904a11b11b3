package dev.parley.worker.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.parley.worker.health.Health;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** L4: the ops endpoints answer a liveness probe while another request is slow, and /ready never waits on Redis. */
class OpsServerTest {

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void healthIsAnsweredWhileASlowReadyRequestIsStillRunning() throws Exception {
        CountDownLatch readyEntered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try (OpsServer ops = OpsServer.start(0, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), () -> {
            readyEntered.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new Readiness(true, true, true, true, true);
        }, () -> new Health(List.of()))) {
            String base = "http://127.0.0.1:" + ops.port();
            CompletableFuture<HttpResponse<String>> ready = http.sendAsync(request(base + "/ready"),
                    HttpResponse.BodyHandlers.ofString());
            readyEntered.await();

            HttpResponse<String> health = http.send(request(base + "/health"), HttpResponse.BodyHandlers.ofString());

            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(ready).as("/ready still held").isNotDone();
            release.countDown();
            assertThat(ready.get().statusCode()).isEqualTo(200);
        }
    }

    @Test
    void aCachedCheckAnswersAtOnceWhileTheCheckItselfHangs() throws Exception {
        AtomicBoolean reachable = new AtomicBoolean(true);
        CountDownLatch hang = new CountDownLatch(1);
        CountDownLatch hanging = new CountDownLatch(1);
        AtomicBoolean hangNext = new AtomicBoolean();
        try (CachedCheck check = CachedCheck.start(() -> {
            if (hangNext.get()) {
                hanging.countDown();
                try {
                    hang.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return reachable.get();
        }, Duration.ofMillis(10), "test-check")) {
            await().atMost(Duration.ofSeconds(30)).until(check::last);
            reachable.set(false);
            await().atMost(Duration.ofSeconds(30)).until(() -> !check.last());

            hangNext.set(true);
            hanging.await();

            assertThat(check.last()).as("answered from the last result, not the hanging check").isFalse();
            hang.countDown();
        }
    }

    private static HttpRequest request(String url) {
        return HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60)).build();
    }
}
