package dev.parley.cli;

import dev.parley.client.batch.BatchProgress;
import java.io.PrintStream;
import java.util.Locale;

/**
 * A batch's progress on stderr: redrawn in place on a terminal, a line every few seconds otherwise (logs, CI).
 * Rate and ETA come from this run's finished requests.
 */
final class ProgressBar implements BatchProgress {

    private static final int WIDTH = 30;
    private static final String ERASE_TO_END = "\u001b[K";
    private static final long LINE_EVERY_NANOS = 5_000_000_000L;

    private final PrintStream out;
    private final boolean terminal;
    private final long started = System.nanoTime();
    private long lastLine;

    ProgressBar(PrintStream out, boolean terminal) {
        this.out = out;
        this.terminal = terminal;
    }

    @Override
    public synchronized void update(long done, long total, long ok, long failed) {
        long now = System.nanoTime();
        boolean finished = done >= total;
        if (!terminal && !finished && now - lastLine < LINE_EVERY_NANOS && done > 0) {
            return;
        }
        lastLine = now;
        double seconds = Math.max(0.001, (now - started) / 1e9);
        double rate = done / seconds;
        String eta = rate > 0 && !finished ? duration((total - done) / rate) : "-";
        int filled = total == 0 ? WIDTH : (int) (WIDTH * done / total);
        String bar = "#".repeat(filled) + ".".repeat(WIDTH - filled);
        String line = String.format(Locale.ROOT, "[%s] %d/%d %3.0f%%  %.2f req/s  ETA %s  ok %d  failed %d", bar, done,
                total, total == 0 ? 100.0 : 100.0 * done / total, rate, eta, ok, failed);
        if (terminal) {
            // Back to the line's start, then erase what a longer previous line left to the right.
            out.print("\r" + line + ERASE_TO_END + (finished ? "\n" : ""));
        } else {
            out.println(line);
        }
        out.flush();
    }

    private static String duration(double seconds) {
        long s = (long) seconds;
        return s >= 3600 ? (s / 3600) + "h" + (s % 3600 / 60) + "m" : s >= 60 ? (s / 60) + "m" + (s % 60) + "s" : s + "s";
    }
}
