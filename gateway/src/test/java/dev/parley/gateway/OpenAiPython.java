package dev.parley.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.testkit.ProjectFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;

/**
 * The official {@code openai} Python package, installed from PyPI by the test itself into
 * {@code gateway/target/openai-python} (once; later runs reuse it), and the scenario scripts run with it.
 */
final class OpenAiPython {

    private static final Path TARGET = ProjectFiles.resolve("gateway/target/openai-python");
    private static final Path SCRIPTS = ProjectFiles.resolve("gateway/src/test/python");

    private OpenAiPython() {
    }

    /** Installs the package unless a previous run did. */
    static synchronized void install() throws IOException, InterruptedException {
        if (Files.exists(TARGET.resolve("openai/__init__.py"))) {
            return;
        }
        Files.createDirectories(TARGET);
        Process pip = new ProcessBuilder("python3", "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                "--no-warn-conflicts", "--target", TARGET.toString(), "openai").redirectErrorStream(true).start();
        String output = new String(pip.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(pip.waitFor(10, TimeUnit.MINUTES)).as("pip install openai").isTrue();
        assertThat(pip.exitValue()).as("pip install openai: " + output).isZero();
    }

    /** Runs {@code script scenario args...} with the given environment and returns the JSON line it printed. */
    static JsonNode run(String script, String scenario, Map<String, String> env, String... args) throws Exception {
        install();
        List<String> command = new ArrayList<>(List.of("python3", "-s", SCRIPTS.resolve(script).toString(), scenario));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(false);
        builder.environment().put("PYTHONPATH", TARGET.toString());
        builder.environment().putAll(env);
        return ScenarioProcess.run(builder, scenario);
    }
}
