package dev.parley.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.testkit.ProjectFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Schemathesis (PyPI {@code schemathesis}, 4.x), installed by the test itself into {@code gateway/target/schemathesis}
 * (once; later runs reuse it), and its {@code run} command.
 */
final class Schemathesis {

    private static final Path TARGET = ProjectFiles.resolve("gateway/target/schemathesis");

    private Schemathesis() {
    }

    static synchronized void install() throws IOException, InterruptedException {
        if (Files.exists(TARGET.resolve("schemathesis/__init__.py"))) {
            return;
        }
        Files.createDirectories(TARGET);
        Process pip = new ProcessBuilder("python3", "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                "--no-warn-conflicts", "--target", TARGET.toString(), "schemathesis>=4,<5").redirectErrorStream(true)
                .start();
        String output = new String(pip.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(pip.waitFor(10, TimeUnit.MINUTES)).as("pip install schemathesis").isTrue();
        assertThat(pip.exitValue()).as("pip install schemathesis: " + output).isZero();
    }

    /** What one run printed and how it exited. */
    record Run(int exitCode, String output) {
    }

    /** {@code schemathesis run schema --url url args...}, its output also written to {@code log}. */
    static Run run(Path schema, String url, Path log, List<String> args) throws Exception {
        install();
        List<String> command = new ArrayList<>(List.of("python3", "-s", "-m", "schemathesis.cli", "run",
                schema.toString(), "--url", url));
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("PYTHONPATH", TARGET.toString());
        builder.environment().put("NO_COLOR", "1");
        builder.directory(log.getParent().toFile());
        Process process = builder.start();
        assertThat(process.waitFor(15, TimeUnit.MINUTES)).as("schemathesis finished").isTrue();
        return new Run(process.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    }
}
