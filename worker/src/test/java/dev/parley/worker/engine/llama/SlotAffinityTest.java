package dev.parley.worker.engine.llama;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SlotAffinityTest {

    @Test
    void aConversationGetsItsOwnSlotBackWithItsTokens() throws Exception {
        SlotAffinity slots = new SlotAffinity(2);
        var a = slots.acquire("a");
        slots.release(a, new int[] {1, 2, 3});
        var b = slots.acquire("b");
        slots.release(b, new int[] {9});

        var again = slots.acquire("a");

        assertThat(again.slot()).isEqualTo(a.slot());
        assertThat(again.warm()).isTrue();
        assertThat(again.previousTokens()).containsExactly(1, 2, 3);
    }

    @Test
    void theLeastRecentlyUsedFreeSlotIsEvicted() throws Exception {
        SlotAffinity slots = new SlotAffinity(2);
        slots.release(slots.acquire("a"), new int[] {1});
        slots.release(slots.acquire("b"), new int[] {2});
        slots.release(slots.acquire("a"), new int[] {1, 1}); // a used last: b is the LRU

        var c = slots.acquire("c");

        assertThat(c.warm()).isFalse();
        assertThat(c.previousTokens()).containsExactly(2);
        assertThat(slots.slotOf("b")).isEqualTo(-1);
        assertThat(slots.slotOf("a")).isNotEqualTo(-1);
        assertThat(slots.evictions()).isEqualTo(1);
    }

    @Test
    void aFailedGenerationForgetsTheSlot() throws Exception {
        SlotAffinity slots = new SlotAffinity(1);
        slots.release(slots.acquire("a"), null);

        var again = slots.acquire("a");

        assertThat(again.warm()).isFalse();
        assertThat(again.previousTokens()).isEmpty();
    }

    @Test
    void commonPrefix() {
        assertThat(SlotAffinity.commonPrefix(new int[] {1, 2, 3}, new int[] {1, 2, 4, 5})).isEqualTo(2);
        assertThat(SlotAffinity.commonPrefix(new int[] {}, new int[] {1})).isZero();
    }
}
