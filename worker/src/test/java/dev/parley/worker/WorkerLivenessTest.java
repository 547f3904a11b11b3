package dev.parley.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.client.ParleyClient;
import dev.parley.client.SendOptions;
import dev.parley.schemas.GenerationParams;
import dev.parley.schemas.Reply;
import dev.parley.testkit.ParleyInfra;
import dev.parley.testkit.junit.ParleyInfraExtension;
import dev.parley.worker.cli.FaultInjectingWorkerMain;
import dev.parley.worker.cli.WorkerCommand;
import dev.parley.worker.intake.TopicProvisioner;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Faults injected into real worker processes on the default engine: a dead engine thread and a turn stuck in the
 * engine. Each time /health answers 503 naming the part, /ready is false, {@code parley.worker.part.healthy} says 0 for
 * it, and the process exits with status 3 after {@code unhealthy-exit-after}; a fresh worker in its place answers,
 * the stuck turn included (it was never committed).
 */
@ExtendWith(ParleyInfraExtension.class)
class WorkerLivenessTest {

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void aDeadEngineThreadMakesTheWorkerUnhealthyAndExit(ParleyInfra infra, ParleyInfraExtension.TestModels models)
            throws Exception {
        drill(infra, models, FaultInjectingWorkerMain.KILL_ENGINE + "-1", "engine");
    }

    @Test
    void aTurnStuckInTheEngineMakesTheWorkerUnhealthyAndExit(ParleyInfra infra, ParleyInfraExtension.TestModels models)
            throws Exception {
        drill(infra, models, FaultInjectingWorkerMain.HANG + "-1", "turns");
    }

    private void drill(ParleyInfra infra, ParleyInfraExtension.TestModels models, String faultyConversation,
                       String part) throws Exception {
        String prefix = "live" + System.nanoTime();
        List<String> arguments = new ArrayList<>(List.of("--bootstrap", infra.bootstrapServers(),
                "--redis", infra.redisUri(), "--model", models.tiny().toString(), "--slots", "2",
                "--context-per-slot", "512", "--prompts-topic", prefix + ".prompts", "--replies-topic",
                prefix + ".replies", "--dlq-topic", prefix + ".dlq", "--control-topic", prefix + ".control",
                "--group-id", prefix, "--partitions", "2", "--http-port", "0", "--turn-attempts", "2"));
        List<String> faulty = new ArrayList<>(arguments);
        faulty.addAll(List.of("--worker-id", "faulty", "--stall-timeout", "2s", "--unhealthy-exit-after", "4s"));
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", infra.bootstrapServers()))) {
            TopicProvisioner.ensure(admin, List.of(prefix + ".prompts", prefix + ".replies", prefix + ".dlq",
                    prefix + ".control"), 2, (short) -1);
        }
        SendOptions shortAnswer = SendOptions.builder().params(GenerationParams.DEFAULTS.withMaxTokens(4)).build();
        try (ParleyClient client = ParleyClient.builder().bootstrapServers(infra.bootstrapServers())
                .promptsTopic(prefix + ".prompts").repliesTopic(prefix + ".replies")
                .controlTopic(prefix + ".control").replyTimeout(Duration.ofMinutes(5)).build()) {
            java.util.concurrent.CompletableFuture<Reply> faultyReply;
            try (WorkerProcess worker = WorkerProcess.start(FaultInjectingWorkerMain.class, faulty, "512m")) {
                worker.awaitReady(Duration.ofSeconds(120));
                int port = worker.httpPort();
                assertThat(client.send("healthy-before", "hello", shortAnswer).get(2, TimeUnit.MINUTES).isOk())
                        .isTrue();
                faultyReply = client.send(faultyConversation, "hello", shortAnswer);

                HttpResponse<String> health = awaitUnhealthy(worker, port);
                assertThat(health.body()).as(worker.tail(60)).contains("\"" + part + "\":\"DOWN");
                assertThat(get(port, "/ready").statusCode()).isEqualTo(503);
                assertThat(get(port, "/metrics").body()).containsPattern(Pattern.compile(
                        "parley_worker_part_healthy\\{[^}]*part=\"" + part + "\"[^}]*} 0\\.0"));

                assertThat(worker.awaitExit(Duration.ofMinutes(2))).as(worker.tail(60)).isTrue();
                assertThat(worker.exitValue()).as(worker.tail(60)).isEqualTo(WorkerCommand.EXIT_UNHEALTHY);
                assertThat(worker.output()).contains("worker unhealthy");
            }

            List<String> replacement = new ArrayList<>(arguments);
            replacement.addAll(List.of("--worker-id", "replacement"));
            try (WorkerProcess worker = WorkerProcess.start(replacement)) {
                worker.awaitReady(Duration.ofSeconds(120));
                Reply after = client.send("healthy-after", "hello", shortAnswer).get(3, TimeUnit.MINUTES);
                assertThat(after.isOk()).as(worker.tail(60)).isTrue();
                // the faulty conversation's turn ended in an error reply (a dead engine) or was never committed and
                // is answered now (a stuck turn): either way it got exactly one final reply
                Reply answer = faultyReply.get(3, TimeUnit.MINUTES);
                if (part.equals("turns")) {
                    assertThat(answer.isOk()).as(worker.tail(60)).isTrue();
                    assertThat(answer.worker()).isEqualTo("replacement");
                } else {
                    assertThat(answer.isOk()).isFalse();
                    assertThat(answer.worker()).isEqualTo("faulty");
                }
            }
        }
    }

    /** Polls /health until it answers 503; fails when the worker exits or a minute passes with no change. */
    private HttpResponse<String> awaitUnhealthy(WorkerProcess worker, int port) throws Exception {
        long since = System.nanoTime();
        while (System.nanoTime() - since < TimeUnit.MINUTES.toNanos(1)) {
            HttpResponse<String> health = get(port, "/health");
            if (health.statusCode() == 503) {
                return health;
            }
            Thread.sleep(100); // a separate process: polling its endpoint is the only way to watch it
        }
        throw new AssertionError("/health stayed 200\n" + worker.tail(80));
    }

    private HttpResponse<String> get(int port, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
