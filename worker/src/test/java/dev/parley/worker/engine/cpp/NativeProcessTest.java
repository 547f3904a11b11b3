package dev.parley.worker.engine.cpp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.testkit.junit.ParleyInfraExtension;
import dev.parley.testkit.junit.ParleyInfraExtension.TestModels;
import dev.parley.worker.EngineExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What only a JVM of its own can show ({@link NativeProbe}): a grammar the vocabulary cannot continue fails its job
 * with {@code invalid_grammar} instead of aborting the process inside llama.cpp, and a grammar's non-ASCII text
 * reaches llama.cpp intact in a JVM whose platform charset is US-ASCII (the worker's container image has no LANG).
 */
@ExtendWith(ParleyInfraExtension.class)
class NativeProcessTest {

    @Test
    void aGrammarTheVocabularyCannotSpellFailsTheJobInsteadOfAbortingTheJvm(TestModels models) throws Exception {
        // the synthetic model has no token for a non-ASCII character
        Result probe = probe(List.of(), "dead-grammar", models.tiny());

        assertThat(probe.exit()).as("the JVM survives:\n%s", probe.output()).isZero();
        assertThat(probe.output()).contains("PROBE error=invalid_grammar");
    }

    @Test
    void aNonAsciiGrammarReachesLlamaCppAsUtf8UnderAnAsciiCharset(TestModels models) throws Exception {
        // JNA takes its default charset from jna.encoding, else the platform's: US-ASCII is what the image gives
        Result probe = probe(List.of("-Djna.encoding=US-ASCII"), "non-ascii-grammar", models.real());

        assertThat(probe.exit()).as(probe.output()).isZero();
        assertThat(probe.output()).as("é, not the ? an ASCII encoder makes of it").contains("PROBE text=U+00E9\n");
    }

    private record Result(int exit, String output) {
    }

    private static Result probe(List<String> jvmOptions, String scenario, Path model) throws Exception {
        Path dir = Path.of("target", "probe-logs");
        Files.createDirectories(dir);
        Path log = Files.createTempFile(dir, scenario + "-", ".log");
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-Xmx256m", "-XX:+UseSerialGC"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), NativeProbe.class.getName(), scenario,
                EngineExtension.libraries().toString(), model.toString()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        // a bound, not a timing: the probe loads a model and decodes a handful of tokens
        if (!process.waitFor(5, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError("the probe did not end:\n" + Files.readString(log, StandardCharsets.UTF_8));
        }
        return new Result(process.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    }
}
