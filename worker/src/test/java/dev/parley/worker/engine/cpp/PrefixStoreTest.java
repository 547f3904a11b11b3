package dev.parley.worker.engine.cpp;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.jna.Memory;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The prefix store's budget, LRU order and exact matching, without a model (the engine tests use the real one). */
class PrefixStoreTest {

    private static final long LAYOUT = KvPrefix.layout("model.gguf", 1000, "F16", 2048);

    private static KvPrefix prefix(int[] tokens, int bytes) {
        return new KvPrefix(tokens, KvPrefix.key(tokens, tokens.length, LAYOUT), LAYOUT, new Memory(bytes));
    }

    private static int[] tokens(int first, int length) {
        int[] tokens = new int[length];
        Arrays.setAll(tokens, i -> first + i);
        return tokens;
    }

    /** A prompt that begins with {@code prefix} and goes on. */
    private static int[] prompt(int[] prefix) {
        int[] prompt = Arrays.copyOf(prefix, prefix.length + 5);
        Arrays.fill(prompt, prefix.length, prompt.length, 7);
        return prompt;
    }

    @Test
    void neverHoldsMoreThanItsBudgetAndDropsTheLeastRecentlyUsedFirst() {
        try (PrefixStore store = new PrefixStore(300)) {
            KvPrefix a = prefix(tokens(100, 70), 100);
            KvPrefix b = prefix(tokens(200, 70), 100);
            KvPrefix c = prefix(tokens(300, 70), 100);
            store.put(a);
            store.put(b);
            store.put(c);
            assertThat(store.find(prompt(a.tokens()), 70, LAYOUT)).isSameAs(a); // a is used: now the most recent

            store.put(prefix(tokens(400, 70), 150));

            assertThat(store.bytes()).isEqualTo(250).isLessThanOrEqualTo(store.budgetBytes());
            assertThat(store.count()).isEqualTo(2);
            assertThat(store.evictions()).isEqualTo(2);
            assertThat(store.find(prompt(a.tokens()), 70, LAYOUT)).isSameAs(a);
            assertThat(store.find(prompt(b.tokens()), 70, LAYOUT)).isNull();
            assertThat(b.data().valid()).as("dropped prefixes free their native memory").isFalse();
            assertThat(c.data().valid()).isFalse();
        }
    }

    @Test
    void aPrefixLargerThanTheBudgetIsNotKept() {
        try (PrefixStore store = new PrefixStore(100)) {
            KvPrefix big = prefix(tokens(1, 70), 101);
            assertThat(store.fits(101)).isFalse();
            assertThat(store.put(big)).isFalse();
            assertThat(store.bytes()).isZero();
            assertThat(store.evictions()).isEqualTo(1);
            assertThat(big.data().valid()).isFalse();
        }
    }

    @Test
    void onlyTheExactTokensUnderTheSameLayoutMatch() {
        try (PrefixStore store = new PrefixStore(1000)) {
            int[] shared = tokens(1, 70);
            store.put(prefix(shared, 100));

            assertThat(store.find(prompt(shared), 70, LAYOUT)).isNotNull();
            int[] differentLast = prompt(shared);
            differentLast[69] = -1;
            assertThat(store.find(differentLast, 70, LAYOUT)).isNull();
            assertThat(store.find(prompt(shared), 69, LAYOUT)).as("a shorter prefix is another prefix").isNull();
            assertThat(store.find(prompt(shared), 70, KvPrefix.layout("model.gguf", 1000, "Q8_0", 2048)))
                    .as("another KV cache type").isNull();
        }
    }

    @Test
    void aKeyCollisionNeverSharesAnotherPrefix() {
        try (PrefixStore store = new PrefixStore(1000)) {
            int[] mine = tokens(1, 70);
            int[] theirs = tokens(500, 70);
            // Stored under the key of "mine" but holding other tokens: the hash alone would share it.
            store.put(new KvPrefix(theirs, KvPrefix.key(mine, 70, LAYOUT), LAYOUT, new Memory(100)));

            assertThat(store.find(prompt(mine), 70, LAYOUT)).isNull();
        }
    }
}
