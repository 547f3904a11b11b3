package dev.parley.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.testkit.ParleyInfra;
import dev.parley.testkit.ProjectFiles;
import dev.parley.testkit.junit.ParleyInfraExtension;
import dev.parley.worker.Worker;
import dev.parley.worker.config.WorkerConfig;
import dev.parley.worker.engine.llama.LlamaCppEngine;
import dev.parley.worker.engine.llama.LlamaEngineConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The Python producer (examples/python, kafka-python + jsonschema, no Java SDK) against the shared test vectors and
 * against a real worker. The test installs the example's requirements itself, with pip into
 * {@code target/python-packages} (once per requirements file), so a fresh machine needs only Python and pip.
 */
@ExtendWith(ParleyInfraExtension.class)
class PythonExampleTest {

    private static Path pythonDir() {
        return ProjectFiles.resolve("examples/python");
    }

    /** The example's requirements installed into target/, keyed by the requirements file's content. */
    private static synchronized Path packages() throws Exception {
        Path requirements = pythonDir().resolve("requirements.txt");
        String key = Integer.toHexString(Files.readString(requirements).hashCode());
        Path target = Path.of("target", "python-packages", key).toAbsolutePath();
        Path marker = target.resolve(".installed");
        if (!Files.exists(marker)) {
            Files.createDirectories(target);
            Process pip = new ProcessBuilder("python3", "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    "--target", target.toString(), "-r", requirements.toString()).redirectErrorStream(true).start();
            String output = new String(pip.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(pip.waitFor(5, TimeUnit.MINUTES)).as("pip install in time").isTrue();
            assertThat(pip.exitValue()).as("pip install -r %s:%n%s", requirements, output).isZero();
            Files.writeString(marker, key);
        }
        return target;
    }

    private static String run(List<String> command) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command).directory(pythonDir().toFile()).redirectErrorStream(true);
        builder.environment().put("PYTHONPATH", packages().toString());
        builder.environment().put("PYTHONNOUSERSITE", "1");
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(3, TimeUnit.MINUTES)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        return output;
    }

    @Test
    void pythonValidationAgreesWithTheSharedVectors() throws Exception {
        String output = run(List.of("python3", "-m", "unittest", "-v", "test_vectors.py"));

        assertThat(output).contains("OK");
    }

    @Test
    void pythonExampleGetsAReplyFromAWorker(ParleyInfra infra, ParleyInfraExtension.TestModels models) throws Exception {
        String prefix = "py" + System.nanoTime();
        LlamaCppEngine engine = LlamaCppEngine.load(LlamaEngineConfig.forModel(models.tiny()).withSlots(2)
                .withContextPerSlot(512).withThreads(1));
        WorkerConfig config = WorkerConfig.builder().bootstrapServers(infra.bootstrapServers()).redisUri(infra.redisUri())
                .promptsTopic(prefix + ".prompts").repliesTopic(prefix + ".replies").deadLetterTopic(prefix + ".dlq")
                .groupId(prefix).partitions(2).workerId("py-worker").build();
        try (Worker worker = Worker.start(config, engine, new SimpleMeterRegistry())) {
            String output = run(List.of("python3", "example.py", "--bootstrap", infra.bootstrapServers(),
                    "--prompts-topic", config.promptsTopic(), "--replies-topic", config.repliesTopic(),
                    "--max-tokens", "8", "Hello from Python"));

            assertThat(output).contains("status: ok").contains("turn: 1").contains("reply:");
        }
    }
}
