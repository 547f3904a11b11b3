package dev.parley.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.parley.schemas.codec.WireJson;
import dev.parley.testkit.ProjectFiles;
import dev.parley.worker.metrics.ParleyMeter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The compose stack as Docker's own client reads it ({@code docker compose config}, which needs no engine), and the
 * dashboard's queries against the meters the worker really publishes.
 */
class ComposeFileTest {

    private static Path root() {
        return ProjectFiles.root();
    }

    @Test
    void composeConfigPassesAndTheWorkerScales() throws Exception {
        Path root = root();
        Process version = start(root, "docker", "compose", "version");
        assumeTrue(version != null && version.waitFor(30, TimeUnit.SECONDS) && version.exitValue() == 0,
                "docker compose is not installed (.ci/run installs it with ops/install-docker-compose.sh)");

        Process config = start(root, "docker", "compose", "-f", "docker-compose.yml", "config", "--format", "json");
        String output = new String(config.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(config.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(config.exitValue()).as(output).isZero();

        JsonNode services = WireJson.mapper().readTree(output).get("services");
        List<String> names = new ArrayList<>();
        services.propertyNames().forEach(names::add);
        assertThat(names).contains("kafka", "redis", "topics", "model", "worker", "prometheus", "grafana");
        JsonNode worker = services.get("worker");
        assertThat(worker.get("deploy").get("replicas").asInt()).isEqualTo(2);
        assertThat(worker.has("container_name")).as("a fixed name would block --scale").isFalse();
        assertThat(worker.has("ports")).as("host ports would block --scale").isFalse();
        assertThat(worker.get("environment").get("PARLEY_BOOTSTRAP").asString()).isEqualTo("kafka:9092");
        assertThat(worker.get("depends_on").get("topics").get("condition").asString())
                .isEqualTo("service_completed_successfully");
        assertThat(worker.get("volumes").get(0).get("read_only").asBoolean()).as("model mounted, read-only").isTrue();
        assertThat(Files.readString(root.resolve("ops/prometheus/prometheus.yml"))).contains("names: [worker]")
                .contains("port: 9400");
    }

    @Test
    void everyParleyMetricOnTheDashboardExists() throws IOException {
        String dashboard = Files.readString(root().resolve("ops/grafana/dashboards/parley.json"));
        JsonNode json = WireJson.mapper().readTree(dashboard);
        assertThat(json.get("uid").asString()).isEqualTo("parley");
        Set<String> published = Arrays.stream(ParleyMeter.values()).map(m -> m.prometheusName())
                .collect(Collectors.toSet());
        Matcher matcher = Pattern.compile("parley_[a-z_]+").matcher(dashboard);
        int found = 0;
        while (matcher.find()) {
            String name = matcher.group().replaceFirst("_(bucket|count|sum)$", "");
            assertThat(published).as("dashboard uses " + matcher.group()).contains(name);
            found++;
        }
        assertThat(found).isGreaterThan(10);
    }

    private static Process start(Path dir, String... command) {
        try {
            return new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        } catch (IOException e) {
            return null;
        }
    }
}
