package dev.parley.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.bench.warm.RestartBenchCommand;
import dev.parley.bench.warm.WarmBenchCommand;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The workload options are one mixin, yet each command keeps its own defaults, in its parsing and in its help. */
class WorkloadOptionsTest {

    private static WorkloadOptions parse(Object command, String... args) {
        CommandLine commandLine = new CommandLine(command);
        commandLine.parseArgs(args);
        return (WorkloadOptions) commandLine.getCommandSpec().mixins().get("shape").userObject();
    }

    private static void assertShape(WorkloadOptions shape, int conversations, int turns, int maxTokens, int slots) {
        assertThat(new int[] {shape.conversations(), shape.turns(), shape.maxTokens(), shape.slots()})
                .containsExactly(conversations, turns, maxTokens, slots);
    }

    @Test
    void eachCommandKeepsItsOwnDefaults() {
        assertShape(parse(new BenchCommand()), 8, 6, 32, 8);
        assertShape(parse(new WarmBenchCommand()), 48, 6, 24, 4);
        assertShape(parse(new RestartBenchCommand()), 12, 6, 24, 4);
    }

    @Test
    void flagsOverrideThem() {
        assertShape(parse(new WarmBenchCommand(), "--conversations", "3", "--turns", "2", "--max-tokens", "5",
                "--slots", "1"), 3, 2, 5, 1);
    }

    @Test
    void helpShowsTheCommandsDefaults() {
        String warm = new CommandLine(new WarmBenchCommand()).getUsageMessage();
        String restart = new CommandLine(new RestartBenchCommand()).getUsageMessage();

        assertThat(warm).containsPattern("--conversations=<conversations>\\s+Conversations \\(default 48\\)");
        assertThat(restart).containsPattern("--conversations=<conversations>\\s+Conversations \\(default 12\\)");
        assertThat(restart).containsPattern("--slots=<slots>\\s+Engine slots \\(default 4\\)");
    }
}
