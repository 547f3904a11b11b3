package dev.parley.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.testkit.ProjectFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;

/**
 * Clients nobody here wrote, at pinned versions, installed by the tests themselves into {@code gateway/target/<dir>}
 * (once: a later run with the same pins reuses them), and the scenario scripts run with them. Each script prints one
 * JSON line, its result.
 */
final class ClientPackages {

    private static final String PINS_FILE = ".pins";
    private static final Path PYTHON_SCRIPTS = ProjectFiles.resolve("gateway/src/test/python");
    private static final Path NODE_SCRIPTS = ProjectFiles.resolve("gateway/src/test/node");

    private final Path home;
    private final boolean node;

    private ClientPackages(Path home, boolean node) {
        this.home = home;
        this.node = node;
    }

    /** Python packages installed with pip into {@code gateway/target/<dir>}. */
    static synchronized ClientPackages pip(String dir, String... pins) throws IOException, InterruptedException {
        Path home = ProjectFiles.resolve("gateway/target/" + dir);
        List<String> command = new ArrayList<>(List.of("python3", "-m", "pip", "install", "--quiet",
                "--disable-pip-version-check", "--no-warn-conflicts", "--target", home.toString()));
        return install(new ClientPackages(home, false), command, pins);
    }

    /** npm packages installed into {@code gateway/target/<dir>/node_modules}. */
    static synchronized ClientPackages npm(String dir, String... pins) throws IOException, InterruptedException {
        Path home = ProjectFiles.resolve("gateway/target/" + dir);
        List<String> command = new ArrayList<>(List.of("npm", "install", "--silent", "--no-audit", "--no-fund",
                "--prefix", home.toString()));
        return install(new ClientPackages(home, true), command, pins);
    }

    private static ClientPackages install(ClientPackages packages, List<String> command, String... pins)
            throws IOException, InterruptedException {
        Path marker = packages.home.resolve(PINS_FILE);
        String wanted = String.join("\n", pins);
        if (Files.exists(marker) && Files.readString(marker).equals(wanted)) {
            return packages;
        }
        Files.createDirectories(packages.home);
        command.addAll(List.of(pins));
        Process install = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(install.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(install.waitFor(10, TimeUnit.MINUTES)).as(String.join(" ", command)).isTrue();
        assertThat(install.exitValue()).as(String.join(" ", command) + ": " + output).isZero();
        Files.writeString(marker, wanted);
        return packages;
    }

    /**
     * Runs {@code script scenario} with {@code env} and returns the JSON line it printed last. A Node script is
     * copied beside the installed {@code node_modules} so that its imports resolve there.
     */
    JsonNode run(String script, String scenario, Map<String, String> env) throws Exception {
        List<String> command = new ArrayList<>();
        if (node) {
            Path copy = home.resolve(script);
            Files.copy(NODE_SCRIPTS.resolve(script), copy, StandardCopyOption.REPLACE_EXISTING);
            command.addAll(List.of("node", copy.toString(), scenario));
        } else {
            command.addAll(List.of("python3", "-s", PYTHON_SCRIPTS.resolve(script).toString(), scenario));
        }
        ProcessBuilder builder = new ProcessBuilder(command).directory(home.toFile());
        if (!node) {
            builder.environment().put("PYTHONPATH", home.toString());
        }
        builder.environment().putAll(env);
        return ScenarioProcess.run(builder, scenario);
    }
}
