package dev.parley.schemas.hostile;

import java.util.List;
import java.util.Random;

/**
 * Where the hostile generators take their choices from: a property-testing library's source in the property tests
 * (so a failure shrinks and replays from its seed), a seeded {@link Random} in {@code parley bench decode}.
 */
@FunctionalInterface
public interface Draw {

    /** A number from {@code lo} to {@code hi}, both included. */
    int between(int lo, int hi);

    /** True {@code percent} times in a hundred. */
    default boolean chance(int percent) {
        return between(1, 100) <= percent;
    }

    default <T> T pick(List<T> options) {
        return options.get(between(0, options.size() - 1));
    }

    /** Draws from a seeded {@link Random}: the same seed gives the same inputs. */
    static Draw seeded(long seed) {
        Random random = new Random(seed);
        return (lo, hi) -> lo + (int) (random.nextDouble() * ((long) hi - lo + 1));
    }
}
