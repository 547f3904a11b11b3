package dev.parley.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code parley gateway} options checked before anything starts. */
class GatewayCommandTest {

    @Test
    void noAuthOffLoopbackIsRefusedWithOneMessage() {
        StringWriter err = new StringWriter();
        CommandLine command = new CommandLine(new GatewayCommand()).setErr(new PrintWriter(err));

        int status = command.execute("--bootstrap", "127.0.0.1:1", "--no-auth", "--host", "0.0.0.0");

        assertThat(status).isNotZero();
        assertThat(err.toString()).contains("--no-auth is for loopback development only")
                .contains("--host 0.0.0.0");
    }
}
