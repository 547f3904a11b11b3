package dev.parley.worker.load;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.function.DoubleSupplier;

/** The total of a counter over all its tags, read from the registry the worker already counts in. */
public final class MeterTotals {

    private MeterTotals() {
    }

    /** A supplier of the sum of every counter named {@code name} (0 while there is none). */
    public static DoubleSupplier of(MeterRegistry registry, String name) {
        return () -> registry.find(name).counters().stream().mapToDouble(Counter::count).sum();
    }
}
