package dev.parley.worker.quota;

import java.util.Locale;

/**
 * A tenant's token limits per minute: prompt tokens (what the model read) and completion tokens (what it wrote).
 * Each is a token bucket holding at most one minute's worth and refilled continuously; 0 means that kind of token is
 * not limited.
 *
 * @param promptPerMinute     prompt tokens per minute, or 0 for unlimited
 * @param completionPerMinute completion tokens per minute, or 0 for unlimited
 */
public record QuotaLimit(long promptPerMinute, long completionPerMinute) {

    /** No limit on either kind. */
    public static final QuotaLimit UNLIMITED = new QuotaLimit(0, 0);

    private static final String UNLIMITED_WORD = "unlimited";

    public QuotaLimit {
        if (promptPerMinute < 0 || completionPerMinute < 0) {
            throw new IllegalArgumentException("token limits must be >= 0 (0: unlimited), got " + promptPerMinute
                    + "/" + completionPerMinute);
        }
    }

    /** Whether either kind of token is limited (only then does a turn touch Redis). */
    public boolean limits() {
        return promptPerMinute > 0 || completionPerMinute > 0;
    }

    /**
     * Parses {@code PROMPT/COMPLETION}, each a positive number of tokens per minute or {@code unlimited}:
     * {@code 60000/20000}, {@code unlimited/5000}.
     */
    public static QuotaLimit parse(String text) {
        String[] parts = text.strip().split("/", -1);
        if (parts.length != 2) {
            throw new IllegalArgumentException("'" + text + "' is not PROMPT/COMPLETION tokens per minute"
                    + " (e.g. 60000/20000, unlimited/5000)");
        }
        return new QuotaLimit(perMinute(parts[0], text), perMinute(parts[1], text));
    }

    private static long perMinute(String part, String whole) {
        String value = part.strip();
        if (value.toLowerCase(Locale.ROOT).equals(UNLIMITED_WORD)) {
            return 0;
        }
        try {
            long n = Long.parseLong(value);
            if (n >= 1 && n <= 1_000_000_000_000L) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("'" + value + "' in '" + whole
                + "' must be tokens per minute (1 to 10^12) or unlimited");
    }

    @Override
    public String toString() {
        return (promptPerMinute == 0 ? UNLIMITED_WORD : promptPerMinute) + "/"
                + (completionPerMinute == 0 ? UNLIMITED_WORD : completionPerMinute);
    }
}
