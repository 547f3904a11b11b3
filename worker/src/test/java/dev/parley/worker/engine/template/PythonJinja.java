package dev.parley.worker.engine.template;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.testkit.ProjectFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Python's Jinja2, the engine Hugging Face renders chat templates with, installed from PyPI by the test itself into
 * {@code worker/target/python-jinja2} (once), and a script that renders a template in transformers' environment.
 */
final class PythonJinja {

    private static final Path TARGET = ProjectFiles.resolve("worker/target/python-jinja2");
    private static final Path SCRIPT = ProjectFiles.resolve("worker/src/test/python/render_chat_template.py");
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private PythonJinja() {
    }

    private static synchronized void install() throws IOException, InterruptedException {
        if (Files.exists(TARGET.resolve("jinja2/__init__.py"))) {
            return;
        }
        Files.createDirectories(TARGET);
        Process pip = new ProcessBuilder("python3", "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                "--no-warn-conflicts", "--target", TARGET.toString(), "jinja2==3.1.6").redirectErrorStream(true)
                .start();
        String output = new String(pip.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(pip.waitFor(10, TimeUnit.MINUTES)).as("pip install jinja2").isTrue();
        assertThat(pip.exitValue()).as("pip install jinja2: " + output).isZero();
    }

    /** The rendering, or {@code "error: ..."} when the template raised. */
    static String render(String template, Map<String, Object> context) throws IOException, InterruptedException {
        install();
        ProcessBuilder builder = new ProcessBuilder("python3", "-s", SCRIPT.toString());
        builder.environment().put("PYTHONPATH", TARGET.toString());
        builder.redirectError(ProcessBuilder.Redirect.INHERIT);
        Process process = builder.start();
        try (var in = process.getOutputStream()) {
            in.write(JSON.writeValueAsBytes(Map.of("template", template, "context", context)));
        }
        byte[] out = process.getInputStream().readAllBytes();
        assertThat(process.waitFor(2, TimeUnit.MINUTES)).isTrue();
        assertThat(process.exitValue()).as("render_chat_template.py").isZero();
        JsonNode result = JSON.readTree(out);
        return result.has("output") ? result.get("output").asString() : "error: " + result.get("error").asString();
    }
}
