package dev.parley.bench.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.testkit.gguf.TinyLlamaModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code parley bench engine} end to end on the tiny model and llama.cpp's CPU libraries: one run per level and a
 * report row each. The figures themselves are not judged here; that is what the command is for.
 */
class EngineBenchCommandTest {

    @TempDir
    Path tmp;

    @Test
    void runsEachConcurrencyLevelAndWritesItsReport() throws Exception {
        String report = bench(new EngineBenchCommand(), "results", "1,2");
        assertThat(report).startsWith("# parley bench engine\n\nModel `tiny.gguf`");
        // One row per level: its conversations, then its turns (conversations x turns) and wall time at the end.
        assertThat(Pattern.compile("(?m)^\\| 1 \\|.*\\| 2 \\| [0-9.]+ \\|$").matcher(report).find()).as(report).isTrue();
        assertThat(Pattern.compile("(?m)^\\| 2 \\|.*\\| 4 \\| [0-9.]+ \\|$").matcher(report).find()).as(report).isTrue();
    }

    /**
     * Each level runs on an engine of its own: on one shared engine the conversations of the level of 2 (and the
     * warm-up's) were still warm when the level of 4 began, and its turns evicted them, paying for their snapshots.
     * Now the level of 4 evicts exactly the warm-up's two (4 slots, 2 of them warm from the warm-up): the count is real,
     * and on a shared engine it was 4.
     */
    @Test
    void aLevelDoesNotEvictTheConversationsOfAnEarlierLevel() throws Exception {
        String report = bench(new EngineBenchCommand(), "levels", "2,4");
        assertThat(evictions(report, 2)).as(report).isZero();
        assertThat(evictions(report, 4)).as(report).isEqualTo(2L);
    }

    /** The evictions column of a level's row: the ninth, before its turns and wall time. */
    private static long evictions(String report, int conversations) {
        Matcher row = Pattern.compile("(?m)^\\| " + conversations + " \\|(?:[^|]*\\|){7} ([0-9]+) \\| "
                + conversations * 2 + " \\| [0-9.]+ \\|$").matcher(report);
        assertThat(row.find()).as(report).isTrue();
        return Long.parseLong(row.group(1));
    }

    /**
     * The same conversations through a real broker, Redis and a worker over an engine of the same settings: the
     * report gets the ratio, and the prompts ask for what the in-process run did (no repeat penalty: a prompt naming
     * none would get the worker's 1.1 and a slower sampling path than the in-process greedy run).
     */
    @Test
    void throughKafkaReportsTheRatioOfTheSameSampling() throws Exception {
        EngineBenchCommand command = new EngineBenchCommand();
        String report = bench(command, "kafka", "2", "--through-kafka");
        assertThat(report).contains("## Through Kafka (`--through-kafka`)");
        // the worker's queueing (and its mean before the engine), its first token, what lies outside it
        String pair = "-?[0-9]+ / -?[0-9]+";
        assertThat(Pattern.compile("(?m)^\\| 2 \\| [0-9.]+ \\| [0-9.]+ \\| [0-9.]+ \\| [0-9]+ \\| [0-9]+ "
                + "\\| " + pair + " \\| [0-9]+ \\| " + pair + " \\| " + pair + " \\|$").matcher(report).find()).as(report).isTrue();
        assertThat(command.kafkaParams().repeatPenalty()).isEqualTo(1.0);
        assertThat(command.kafkaParams().temperature()).isZero();
        assertThat(command.kafkaParams().maxTokens()).isEqualTo(4);
    }

    /** Runs the command on the tiny model, 2 turns of 4 tokens per conversation, and returns its report. */
    private String bench(EngineBenchCommand command, String outName, String concurrency, String... extra)
            throws Exception {
        Path model = TinyLlamaModel.write(tmp.resolve("tiny.gguf"), 3);
        Path out = tmp.resolve(outName);
        List<String> args = new ArrayList<>(List.of("--model", model.toString(), "--gpu", "none",
                "--concurrency", concurrency, "--turns", "2", "--tokens", "4", "--prompt-chars", "32",
                "--context-per-slot", "256", "--batch-size", "256", "--threads", "1", "--out", out.toString()));
        args.addAll(List.of(extra));
        assertThat(new CommandLine(command).execute(args.toArray(String[]::new))).isZero();
        return Files.readString(out.resolve("engine-bench.md"));
    }
}
