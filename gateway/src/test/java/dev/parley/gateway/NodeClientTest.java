package dev.parley.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.parley.gateway.openai.Json;
import dev.parley.testkit.ParleyInfra;
import dev.parley.testkit.ProjectFiles;
import dev.parley.testkit.junit.ParleyInfraExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;

/** The official {@code openai} npm package (installed by the test into gateway/target) on a completion and a stream. */
@ExtendWith(ParleyInfraExtension.class)
class NodeClientTest {

    private static final Path MODULES = ProjectFiles.resolve("gateway/target/openai-node");

    @Test
    void theNodePackageGetsACompletionAndAStream(ParleyInfra infra, ParleyInfraExtension.TestModels models)
            throws Exception {
        assumeTrue(available("node") && available("npm"), "Node and npm are not installed");
        if (!Files.exists(MODULES.resolve("node_modules/openai/package.json"))) {
            Files.createDirectories(MODULES);
            Process npm = new ProcessBuilder("npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix",
                    MODULES.toString(), "openai").redirectErrorStream(true).start();
            String output = new String(npm.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(npm.waitFor(10, TimeUnit.MINUTES)).isTrue();
            assertThat(npm.exitValue()).as(output).isZero();
        }
        try (PoolFixture pool = new PoolFixture(infra, models); Gateway gateway = Gateway.start(pool.gatewayConfig().build())) {
            ProcessBuilder node = new ProcessBuilder("node", ProjectFiles.resolve("gateway/src/test/node/completion.js")
                    .toString(), MODULES.resolve("node_modules/openai").toString()).redirectErrorStream(true);
            node.environment().putAll(pool.pythonEnv(gateway));
            Process process = node.start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(process.waitFor(5, TimeUnit.MINUTES)).isTrue();
            assertThat(process.exitValue()).as(output).isZero();
            JsonNode result = Json.mapper().readTree(output.strip().lines().reduce((a, b) -> b).orElse(""));

            assertThat(result.get("object").asString()).isEqualTo("chat.completion");
            assertThat(result.get("content").asString()).isNotBlank();
            assertThat(result.get("completion_tokens").asInt()).isBetween(1, 12);
            assertThat(result.get("streamed").asString()).isNotBlank();
            assertThat(result.get("chunks").asInt()).isGreaterThan(1);
        }
    }

    private static boolean available(String command) {
        try {
            Process p = new ProcessBuilder(command, "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (Exception e) {
            return false;
        }
    }
}
