package dev.parley.worker.engine.cpp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class FreeRangesTest {

    @Test
    void rangesAreTakenLowestFirstAndRefusedWhenNoneFits() {
        FreeRanges ranges = new FreeRanges(100);

        assertThat(ranges.take(30)).isZero();
        assertThat(ranges.take(30)).isEqualTo(30);
        assertThat(ranges.take(50)).isEqualTo(-1);
        assertThat(ranges.take(40)).isEqualTo(60);
        assertThat(ranges.take(1)).as("nothing left").isEqualTo(-1);
    }

    @Test
    void aRangeGivenBackMergesWithItsFreeNeighboursSoTheSlabIsWholeAgain() {
        FreeRanges ranges = new FreeRanges(100);
        long a = ranges.take(20);
        long b = ranges.take(30);
        long c = ranges.take(50);

        ranges.put(a, 20);
        ranges.put(c, 50);
        assertThat(ranges.take(51)).as("the two holes are apart: 20 and 50").isEqualTo(-1);
        assertThat(ranges.take(25)).as("first fit: the hole after a is too small").isEqualTo(50);
        ranges.put(50, 25);
        ranges.put(b, 30); // joins the range before and the one after

        assertThat(ranges.take(100)).as("one range again").isZero();
    }

    @Test
    void aRangeGivenBackTwiceIsRefused() {
        FreeRanges ranges = new FreeRanges(100);
        ranges.take(40);
        long b = ranges.take(60);
        ranges.put(b, 60);

        assertThatThrownBy(() -> ranges.put(b, 60)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> ranges.put(b + 10, 10)).as("starts inside a free range")
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> ranges.put(30, 20)).as("ends inside a free range")
                .isInstanceOf(IllegalStateException.class);
    }
}
