package dev.parley.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.testkit.ProjectFiles;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code parley dev} starts a gateway too and prints where it is; the README's Python snippet, run as it stands with
 * the official {@code openai} package (installed by this test into cli/target), gets an answer from it.
 */
class DevGatewayTest {

    private static final Path OPENAI = ProjectFiles.resolve("cli/target/openai-python");

    @TempDir
    Path tmp;

    @Test
    void devPrintsTheGatewayAndTheReadmeSnippetTalksToIt() throws Exception {
        installOpenAi();
        Process dev = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-Xmx1g", "-cp",
                System.getProperty("java.class.path"), ParleyCli.class.getName(), "dev", "--slots", "1")
                .redirectErrorStream(true).start();
        try {
            Map<String, String> printed = awaitLines(dev, List.of("PARLEY_OPENAI_BASE_URL", "PARLEY_OPENAI_API_KEY",
                    "PARLEY_OPENAI_MODEL"));
            assertThat(printed.get("PARLEY_OPENAI_BASE_URL")).matches("http://127\\.0\\.0\\.1:\\d+/v1");
            assertThat(printed.get("PARLEY_OPENAI_API_KEY")).startsWith("sk-parley-dev-");
            assertThat(printed.get("PARLEY_OPENAI_MODEL")).isEqualTo("smollm2-135m");

            Path snippet = tmp.resolve("snippet.py");
            Files.writeString(snippet, readmePythonSnippet());
            ProcessBuilder python = new ProcessBuilder("python3", "-s", snippet.toString()).redirectErrorStream(true);
            python.environment().put("PYTHONPATH", OPENAI.toString());
            python.environment().putAll(printed);
            Process run = python.start();
            String output = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(run.waitFor(5, TimeUnit.MINUTES)).isTrue();
            assertThat(run.exitValue()).as(output).isZero();
            assertThat(output).isNotBlank();
        } finally {
            dev.destroy();
            if (!dev.waitFor(2, TimeUnit.MINUTES)) {
                dev.destroyForcibly();
            }
        }
    }

    /** The README's quick-start Python block, the one that imports openai. */
    private static String readmePythonSnippet() throws Exception {
        String readme = Files.readString(ProjectFiles.resolve("README.md"));
        Matcher block = Pattern.compile("(?s)```python\\n(.*?)```").matcher(readme);
        while (block.find()) {
            if (block.group(1).contains("from openai import OpenAI")) {
                return block.group(1);
            }
        }
        throw new AssertionError("README has no Python block using the openai package");
    }

    /** Reads the process's lines until each name was printed as NAME=value; fails if the process ends first. */
    private static Map<String, String> awaitLines(Process process, List<String> names) throws Exception {
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    lines.add(line);
                }
            } catch (java.io.IOException ignored) {
                // the process went away; the wait below reports it
            }
        }, "dev-output");
        reader.setDaemon(true);
        reader.start();
        Map<String, String> found = new HashMap<>();
        StringBuilder seen = new StringBuilder();
        while (!found.keySet().containsAll(names)) {
            String line = lines.poll(1, TimeUnit.SECONDS);
            if (line == null) {
                assertThat(process.isAlive()).as("parley dev exited early:\n" + seen).isTrue();
                continue;
            }
            seen.append(line).append('\n');
            int eq = line.indexOf('=');
            if (eq > 0 && names.contains(line.substring(0, eq))) {
                found.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return found;
    }

    private static synchronized void installOpenAi() throws Exception {
        if (Files.exists(OPENAI.resolve("openai/__init__.py"))) {
            return;
        }
        Process pip = new ProcessBuilder("python3", "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                "--no-warn-conflicts", "--target", OPENAI.toString(), "openai").redirectErrorStream(true).start();
        String output = new String(pip.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(pip.waitFor(10, TimeUnit.MINUTES)).isTrue();
        assertThat(pip.exitValue()).as(output).isZero();
    }
}
