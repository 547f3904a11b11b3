package dev.parley.worker.engine.disk;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class DiskIndexTest {

    private static DiskIndex.Entry entry(String conversation, long bytes) {
        return new DiskIndex.Entry(conversation, Path.of(conversation + ".kv"), new int[] {1, 2}, bytes);
    }

    @Test
    void reservesRoomBeforeAWriteByGivingUpTheLeastRecentlyUsed() {
        DiskIndex index = new DiskIndex(300);
        assertThat(index.add(entry("a", 100))).isEmpty();
        assertThat(index.add(entry("b", 100))).isEmpty();
        assertThat(index.add(entry("c", 100))).isEmpty();
        index.get("a"); // used: b is now the least recently used

        List<DiskIndex.Entry> victims = index.reserve(150);

        assertThat(victims).extracting(DiskIndex.Entry::conversationId).containsExactly("b", "c");
        assertThat(index.bytes()).as("held plus reserved").isEqualTo(250).isLessThanOrEqualTo(300);
        index.commit(entry("d", 150));
        assertThat(index.bytes()).isEqualTo(250);
        assertThat(index.count()).isEqualTo(2);
        assertThat(index.get("b")).isNull();
    }

    @Test
    void aReplacedFileCountsOnceAfterItsRenameAndBothWhileWritten() {
        DiskIndex index = new DiskIndex(250);
        index.add(entry("a", 100));
        assertThat(index.reserve(120)).isEmpty(); // the old file stays until the new one replaces it
        assertThat(index.bytes()).isEqualTo(220);
        index.commit(entry("a", 120));
        assertThat(index.bytes()).isEqualTo(120);
        assertThat(index.count()).isEqualTo(1);
    }

    @Test
    void aFileLargerThanTheBudgetIsRefusedAndAFailedWriteFreesItsReservation() {
        DiskIndex index = new DiskIndex(100);
        assertThat(index.reserve(101)).isNull();
        assertThat(index.reserve(80)).isEmpty();
        index.commit(null);
        assertThat(index.bytes()).isZero();
        assertThat(index.add(entry("big", 101))).extracting(DiskIndex.Entry::conversationId).containsExactly("big");
        assertThat(index.count()).isZero();
    }

    @Test
    void removesOnlyTheCurrentEntry() {
        DiskIndex index = new DiskIndex(1000);
        DiskIndex.Entry old = entry("a", 100);
        index.add(old);
        index.reserve(100);
        index.commit(entry("a", 100));
        assertThat(index.remove(old)).as("replaced meanwhile").isFalse();
        assertThat(index.count()).isEqualTo(1);
    }
}
