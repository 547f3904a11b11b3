package dev.parley.client.batch;

import java.time.Duration;
import java.util.Locale;

/**
 * What a batch run did.
 *
 * @param lines            lines in the input
 * @param alreadyDone      lines skipped because the output already had their custom_id (a resumed run)
 * @param ok               answered with status ok in this run
 * @param failed           error replies, timeouts and unreadable lines in this run
 * @param promptTokens     prompt tokens of this run's answers
 * @param completionTokens completion tokens of this run's answers
 * @param wallTime         how long this run took
 */
public record BatchSummary(long lines, long alreadyDone, long ok, long failed, long promptTokens,
                           long completionTokens, Duration wallTime) {

    /** One line for humans. */
    public String describe() {
        double seconds = Math.max(0.001, wallTime.toMillis() / 1000.0);
        return String.format(Locale.ROOT, "batch done: %d ok, %d failed, %d already done (of %d lines); "
                        + "%d prompt + %d completion tokens; %.1f s wall time, %.2f requests/s, %.1f tokens/s",
                ok, failed, alreadyDone, lines, promptTokens, completionTokens, seconds, (ok + failed) / seconds,
                completionTokens / seconds);
    }
}
