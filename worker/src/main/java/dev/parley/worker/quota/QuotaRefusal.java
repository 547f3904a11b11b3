package dev.parley.worker.quota;

/**
 * Why a turn was not admitted: its tenant's bucket of one kind of token is empty.
 *
 * @param tenant        the prompt's tenant
 * @param kind          {@code prompt} or {@code completion}
 * @param perMinute     that bucket's limit in tokens per minute
 * @param retryAfterMs  milliseconds until every bucket of the tenant holds a token again
 */
public record QuotaRefusal(String tenant, String kind, long perMinute, long retryAfterMs) {

    /** For the reply's error message. */
    public String message() {
        return "tenant " + tenant + " is over its " + kind + " token quota (" + perMinute + " per minute); retry after "
                + retryAfterMs + " ms";
    }
}
