package dev.parley.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.gateway.auth.ApiKeys;
import dev.parley.gateway.resume.ResumeSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A gateway as its own OS process (a JVM on the test's class path running {@link #main}), so a test can kill it with
 * SIGKILL: nothing of it runs after, no shutdown hook, no clean hand-over. It serves {@link PoolFixture}'s pool and
 * tenants; its output goes to a file under {@code target/}. It also ends when the test JVM does (its stdin closes).
 */
final class GatewayProcess implements AutoCloseable {

    private static final String URL_LINE = "PARLEY_OPENAI_BASE_URL=";
    /** How long the gateway may print nothing new while starting before the test gives up on it. */
    private static final Duration START_STALL = Duration.ofMinutes(2);

    private final Process process;
    private final String baseUrl;

    private GatewayProcess(Process process, String baseUrl) {
        this.process = process;
        this.baseUrl = baseUrl;
    }

    /** Starts a gateway for {@code pool} with this resume grace and waits until it serves. */
    static GatewayProcess start(PoolFixture pool, Duration grace, Path log) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-Xmx384m", "-XX:+UseSerialGC", "-cp",
                System.getProperty("java.class.path"), GatewayProcess.class.getName(),
                pool.infra.bootstrapServers(), pool.infra.redisUri(), pool.workerConfig.promptsTopic(),
                pool.workerConfig.repliesTopic(), pool.workerConfig.controlTopic(), pool.prefix + ".models",
                PoolFixture.MODEL, "alpha=" + pool.alphaKey, "beta=sha256:" + ApiKeys.digest(pool.betaKey),
                Long.toString(grace.toSeconds())));
        Files.createDirectories(log.getParent());
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        return new GatewayProcess(process, awaitUrl(process, log));
    }

    /** Waits for the URL line, failing when the process ends or its log stops growing for {@link #START_STALL}. */
    private static String awaitUrl(Process process, Path log) throws IOException, InterruptedException {
        long lastSize = -1;
        long stalledSince = System.nanoTime();
        while (true) {
            List<String> lines = Files.exists(log) ? Files.readAllLines(log) : List.of();
            Optional<String> url = lines.stream().filter(line -> line.startsWith(URL_LINE)).findFirst();
            if (url.isPresent()) {
                return url.get().substring(URL_LINE.length()).strip();
            }
            assertThat(process.isAlive()).as("gateway process ended:\n" + String.join("\n", lines)).isTrue();
            long size = Files.exists(log) ? Files.size(log) : 0;
            if (size != lastSize) {
                lastSize = size;
                stalledSince = System.nanoTime();
            }
            assertThat(System.nanoTime() - stalledSince).as("gateway start made no progress:\n"
                    + String.join("\n", lines)).isLessThan(START_STALL.toNanos());
            Thread.sleep(200);
        }
    }

    String baseUrl() {
        return baseUrl;
    }

    /** What the Python scenarios need to reach this gateway as tenant alpha. */
    Map<String, String> pythonEnv(PoolFixture pool) {
        Map<String, String> env = new java.util.HashMap<>(Map.of("OPENAI_BASE_URL", baseUrl,
                "OPENAI_API_KEY", pool.alphaKey, "PARLEY_OTHER_KEY", pool.betaKey, "PARLEY_MODEL", PoolFixture.MODEL,
                "RUN_ID", pool.prefix + "-" + System.nanoTime()));
        return env;
    }

    /** SIGKILL, and waits until the process is gone. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }

    /** The child's entry point: the arguments {@link #start} passes, in that order. */
    public static void main(String[] args) throws IOException {
        GatewayConfig config = GatewayConfig.builder().port(0).bootstrapServers(args[0]).redisUri(args[1])
                .promptsTopic(args[2]).repliesTopic(args[3]).controlTopic(args[4]).modelsTopic(args[5])
                .models(List.of(args[6])).keys(ApiKeys.parse(List.of(args[7], args[8])))
                .requestTimeout(Duration.ofMinutes(4))
                .resume(new ResumeSettings(ResumeSettings.DEFAULT_RETENTION, Duration.ofSeconds(Long.parseLong(args[9]))))
                .build();
        try (Gateway gateway = Gateway.start(config)) {
            System.out.println(URL_LINE + gateway.baseUrl());
            System.out.flush();
            while (System.in.read() != -1) {
                // serves until the test closes our stdin (or dies)
            }
        }
        System.exit(0);
    }
}
