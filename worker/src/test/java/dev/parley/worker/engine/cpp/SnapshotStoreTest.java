package dev.parley.worker.engine.cpp;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.jna.Memory;
import org.junit.jupiter.api.Test;

class SnapshotStoreTest {

    private static KvSnapshot snapshot(String conversation, int bytes) {
        return KvSnapshot.of(conversation, new int[] {1, 2, 3}, new Memory(bytes));
    }

    @Test
    void neverHoldsMoreThanItsBudgetAndDropsTheLeastRecentlyUsedFirst() {
        try (SnapshotStore store = new SnapshotStore(300)) {
            store.put(snapshot("a", 100));
            KvSnapshot b = snapshot("b", 100);
            KvSnapshot c = snapshot("c", 100);
            store.put(b);
            store.put(c);
            KvSnapshot a = store.take("a"); // a is used (and comes back as the most recent)
            store.put(a);

            store.put(snapshot("d", 150));

            assertThat(store.bytes()).isEqualTo(250).isLessThanOrEqualTo(store.budgetBytes());
            assertThat(store.contains("b")).isFalse();
            assertThat(store.contains("c")).isFalse();
            assertThat(store.contains("a")).isTrue();
            assertThat(store.contains("d")).isTrue();
            assertThat(store.dropped()).isEqualTo(2);
            // dropped snapshots free their native memory
            assertThat(b.freed()).isTrue();
            assertThat(c.freed()).isTrue();
            assertThat(a.freed()).isFalse();
        }
    }

    @Test
    void aSnapshotLargerThanTheBudgetIsNotKept() {
        try (SnapshotStore store = new SnapshotStore(100)) {
            store.put(snapshot("a", 60));

            assertThat(store.put(snapshot("big", 101))).isFalse();

            assertThat(store.contains("big")).isFalse();
            assertThat(store.contains("a")).isTrue();
            assertThat(store.bytes()).isEqualTo(60);
        }
    }

    @Test
    void aNewSnapshotOfAConversationReplacesItsOldOne() {
        try (SnapshotStore store = new SnapshotStore(1000)) {
            KvSnapshot old = snapshot("a", 100);
            store.put(old);
            store.put(snapshot("a", 200));
            assertThat(old.freed()).as("the replaced snapshot's memory is freed").isTrue();

            assertThat(store.count()).isEqualTo(1);
            assertThat(store.bytes()).isEqualTo(200);
            assertThat(store.take("a").bytes()).isEqualTo(200);
            assertThat(store.bytes()).isZero();
        }
    }

    @Test
    void aSnapshotBelongsOnlyToItsConversationAndItsTokens() {
        KvSnapshot snapshot = snapshot("owner", 8);

        assertThat(snapshot.belongsTo("owner")).isTrue();
        assertThat(snapshot.belongsTo("other")).isFalse();
        snapshot.tokens()[0] = 99; // altered after it was taken
        assertThat(snapshot.belongsTo("owner")).isFalse();
        snapshot.close();
    }
}
