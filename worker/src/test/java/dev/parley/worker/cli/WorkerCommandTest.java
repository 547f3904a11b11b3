package dev.parley.worker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Bad configuration stops the worker before it loads anything, with exit status 2 and the key named; so do a model
 * that is missing or cannot be loaded and a taken ops port (a message, no stack trace), the port before the model.
 */
class WorkerCommandTest {

    @Test
    void badValuesFailFastNamingKeyAndValue() {
        StringWriter err = new StringWriter();
        CommandLine commandLine = SettingsOptions.install(new CommandLine(new WorkerCommand()));
        commandLine.setErr(new PrintWriter(err));

        int status = WorkerMain.run(commandLine, new String[] {
                "--bootstrap", "localhost:9092", "--redis", "localhost:6379", "--slots", "0", "--history-ttl", "soon"});

        assertThat(status).isEqualTo(2);
        assertThat(err.toString())
                .contains("redis='localhost:6379' must start with redis://")
                .contains("slots='0' must be in 1..256")
                .contains("history-ttl='soon' not a duration");
    }

    @Test
    void everySettingHasAFlag() {
        CommandLine commandLine = SettingsOptions.install(new CommandLine(new WorkerCommand()));

        for (var setting : dev.parley.worker.config.Setting.values()) {
            assertThat(commandLine.getCommandSpec().findOption(setting.flag())).as(setting.flag()).isNotNull();
        }
    }

    private static String[] withInfra(String... flags) {
        List<String> all = new ArrayList<>(List.of("--bootstrap", "localhost:1", "--redis", "redis://localhost:1"));
        all.addAll(List.of(flags));
        return all.toArray(String[]::new);
    }

    private static void assertCleanError(int status, StringWriter err, String expected) {
        assertThat(status).as(err.toString()).isEqualTo(2);
        assertThat(err.toString()).contains(expected).startsWith("parley: ");
        assertThat(err.toString().lines()).as("no stack trace")
                .noneMatch(line -> line.strip().startsWith("at ") || line.contains("Exception"));
    }

    @Test
    void theJavaEngineRefusesPrefixSharingSettingsItWouldIgnore() {
        StringWriter err = new StringWriter();
        CommandLine commandLine = SettingsOptions.install(new CommandLine(new WorkerCommand()));
        commandLine.setErr(new PrintWriter(err));

        int status = WorkerMain.run(commandLine, withInfra("--engine", "java", "--kv-prefix-bytes", "64MiB",
                "--kv-prefix-min-tokens", "32", "--model", "/nonexistent/model.gguf", "--http-port", "-1"));

        assertCleanError(status, err, "kv-prefix-bytes is set, but shared prompt prefixes are a feature of the native "
                + "engine only");
        assertThat(err.toString()).contains("kv-prefix-min-tokens is set").contains("--engine native")
                .as("refused before the model is looked for").doesNotContain("/nonexistent/model.gguf");
    }

    @Test
    void prefixSharingIsOnByDefaultForTheNativeEngine() {
        var settings = new dev.parley.worker.config.SettingsLoader()
                .flags(java.util.Map.of("bootstrap", "b:1", "redis", "redis://r:1")).load();
        var custom = new dev.parley.worker.config.SettingsLoader().flags(java.util.Map.of("bootstrap", "b:1",
                "redis", "redis://r:1", "kv-prefix-bytes", "0", "kv-prefix-min-tokens", "16")).load();

        assertThat(PrefixSharingSettings.of(settings)).isEqualTo(dev.parley.worker.engine.cpp.PrefixSharing.DEFAULT);
        assertThat(PrefixSharingSettings.of(custom).enabled()).isFalse();
        assertThat(PrefixSharingSettings.of(custom).minTokens()).isEqualTo(16);
        PrefixSharingSettings.refuseForJavaEngine(settings); // nothing set: nothing to refuse
    }

    @Test
    void theJavaEngineRefusesADiskTierAtStart(@TempDir Path dir) throws Exception {
        Path model = Files.write(dir.resolve("model.gguf"), "never loaded".getBytes());
        StringWriter err = new StringWriter();
        CommandLine commandLine = SettingsOptions.install(new CommandLine(new WorkerCommand()));
        commandLine.setErr(new PrintWriter(err));

        int status = WorkerMain.run(commandLine, withInfra("--engine", "java", "--model", model.toString(),
                "--kv-disk-dir", dir.resolve("kv").toString(), "--http-port", "-1"));

        assertCleanError(status, err, "--kv-disk-dir needs the native engine");
        assertThat(dir.resolve("kv")).doesNotExist();
    }

    @Test
    void aMissingModelIsOneLineAndExitStatus2() {
        StringWriter err = new StringWriter();
        CommandLine commandLine = SettingsOptions.install(new CommandLine(new WorkerCommand()));
        commandLine.setErr(new PrintWriter(err));

        int status = WorkerMain.run(commandLine, withInfra("--model", "/nonexistent/model.gguf", "--http-port", "-1"));

        assertCleanError(status, err, "/nonexistent/model.gguf");
    }

    @Test
    void aModelThatCannotBeLoadedIsOneLineAndExitStatus2(@TempDir Path dir) throws Exception {
        Path broken = Files.write(dir.resolve("broken.gguf"), "GGUF but not really a model".getBytes());
        StringWriter err = new StringWriter();
        CommandLine commandLine = SettingsOptions.install(new CommandLine(new WorkerCommand()));
        commandLine.setErr(new PrintWriter(err));

        int status = WorkerMain.run(commandLine, withInfra("--model", broken.toString(), "--http-port", "-1"));

        assertCleanError(status, err, "cannot load model");
    }

    @Test
    void aTakenOpsPortIsReportedBeforeTheModelLoads() throws Exception {
        try (ServerSocket taken = new ServerSocket(0)) {
            StringWriter err = new StringWriter();
            CommandLine commandLine = SettingsOptions.install(new CommandLine(new WorkerCommand()));
            commandLine.setErr(new PrintWriter(err));

            int status = WorkerMain.run(commandLine, withInfra("--model", "/nonexistent/model.gguf",
                    "--http-port", String.valueOf(taken.getLocalPort())));

            assertCleanError(status, err, "http-port " + taken.getLocalPort() + " cannot be bound");
        }
    }
}
