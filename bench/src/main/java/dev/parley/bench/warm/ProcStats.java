package dev.parley.bench.warm;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * Resident memory and CPU time of a process, and of its threads by kind, read from Linux's /proc: where the cores'
 * time went during a benchmark run, without a profiler attached. Values of a process that has exited read as zero.
 */
final class ProcStats {

    /** Clock ticks per second of /proc's CPU times ({@code getconf CLK_TCK}; 100 on Linux x86-64 and arm64). */
    private static final double TICKS_PER_SECOND = 100.0;

    private ProcStats() {
    }

    static long rssBytes(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException gone) {
            // the process has exited
        }
        return 0;
    }

    /** User plus system CPU seconds the process has used so far, all its threads together. */
    static double cpuSeconds(long pid) {
        return cpuSeconds(Path.of("/proc", String.valueOf(pid), "stat"));
    }

    /**
     * CPU seconds of the process's live threads, summed by kind: the thread name with its number dropped
     * ({@code parley-turn-3} counts as {@code parley-turn}). Threads inherit their creator's name, so llama.cpp's
     * worker threads count under the thread that started them (the engine thread).
     */
    static Map<String, Double> threadCpuSeconds(long pid) {
        Map<String, Double> byKind = new TreeMap<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", String.valueOf(pid), "task"))) {
            for (Path task : tasks) {
                try {
                    String kind = kind(Files.readString(task.resolve("comm")).strip());
                    byKind.merge(kind, cpuSeconds(task.resolve("stat")), Double::sum);
                } catch (IOException | RuntimeException ended) {
                    // the thread ended meanwhile
                }
            }
        } catch (IOException | RuntimeException gone) {
            // the process has exited
        }
        return byKind;
    }

    /** The 1-minute load average of the machine: how busy it was while a run measured. */
    static double loadAverage() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        } catch (IOException | RuntimeException unknown) {
            return Double.NaN;
        }
    }

    /** A thread name without its trailing number, so a pool's threads add up to one line. */
    static String kind(String threadName) {
        String kind = threadName.replaceAll("[-_#\\s]*\\d+$", "");
        return kind.isEmpty() ? threadName : kind;
    }

    private static double cpuSeconds(Path stat) {
        try {
            String text = Files.readString(stat);
            // fields after the command name, which is in parentheses and may itself hold spaces
            String[] fields = text.substring(text.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / TICKS_PER_SECOND;
        } catch (IOException | RuntimeException gone) {
            return 0;
        }
    }
}
