package dev.parley.schemas;

/**
 * Where the time of one turn went, in milliseconds.
 *
 * @param queuedMs     from the record's arrival at the worker to the start of its turn
 * @param firstTokenMs from the start of generation to the first generated token
 * @param totalMs      from the record's arrival to the reply being ready
 */
public record Timings(long queuedMs, long firstTokenMs, long totalMs) {
    public static final Timings NONE = new Timings(0, 0, 0);
}
