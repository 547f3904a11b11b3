package dev.parley.worker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Bad configuration stops the worker before it loads anything, with exit status 2 and the key named. */
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
}
