package dev.parley.worker.health;

import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * A part of the worker whose life the health check watches: a thread that must live, and that must show progress
 * while it has work.
 *
 * @param name         named in /health and in the {@code part} tag of {@code parley.worker.part.healthy}
 * @param alive        false once its thread died
 * @param busy         whether it has work now (no progress while idle is fine)
 * @param lastProgress {@link System#nanoTime()} of its last sign of progress
 * @param detail       what it is waiting on, added to a stall's problem ("" for nothing to add)
 */
public record WatchedPart(String name, BooleanSupplier alive, BooleanSupplier busy, LongSupplier lastProgress,
                          Supplier<String> detail) {

    public WatchedPart(String name, BooleanSupplier alive, BooleanSupplier busy, LongSupplier lastProgress) {
        this(name, alive, busy, lastProgress, () -> "");
    }
}
