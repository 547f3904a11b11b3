package dev.parley.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.gateway.openai.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;

/** Runs one client scenario script (Python or Node) to its end and reads the JSON line it printed last. */
final class ScenarioProcess {

    private ScenarioProcess() {
    }

    static JsonNode run(ProcessBuilder builder, String scenario) throws Exception {
        Process process = builder.start();
        // stderr is read on the side so a chatty library cannot block the script on a full pipe.
        StringBuilder errors = new StringBuilder();
        Thread drain = new Thread(() -> {
            try {
                errors.append(new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException ignored) {
                // the process is gone; what was read is reported
            }
        });
        drain.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(10, TimeUnit.MINUTES)).as(scenario + " finished").isTrue();
        drain.join();
        assertThat(process.exitValue()).as(scenario + " failed:\n" + output + errors).isZero();
        return Json.mapper().readTree(output.strip().lines().reduce((a, b) -> b).orElse(""));
    }
}
