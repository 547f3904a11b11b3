package dev.parley.worker.engine.disk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.jna.Memory;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The file format on its own: what is written reads back, and every defect is named (nothing half-read is used). */
class SnapshotFileTest {

    private static final KvFingerprint MINE = new KvFingerprint("mine", KvFingerprint.sha256(new byte[] {1}));
    private static final KvFingerprint OTHER = new KvFingerprint("other", KvFingerprint.sha256(new byte[] {2}));

    @TempDir
    Path dir;

    private Path written(String conversation, int[] tokens, int stateBytes) throws IOException {
        Path file = dir.resolve(DiskKvStore.fileName(conversation));
        try (Memory state = new Memory(stateBytes)) {
            for (int i = 0; i < stateBytes; i++) {
                state.setByte(i, (byte) (i * 31));
            }
            SnapshotFile.write(file, MINE, conversation, tokens, state, stateBytes);
        }
        return file;
    }

    @Test
    void readsBackWhatItWrote() throws IOException {
        Path file = written("conv-é/1", new int[] {5, 6, 7}, 4096);
        assertThat(Files.size(file)).isEqualTo(SnapshotFile.fileLength("conv-é/1", 3, 4096));

        SnapshotFile.Loaded loaded = SnapshotFile.read(file, MINE, "conv-é/1");

        assertThat(loaded.header().tokens()).containsExactly(5, 6, 7);
        assertThat(loaded.data().size()).isEqualTo(4096);
        assertThat(loaded.data().getByte(100)).isEqualTo((byte) (100 * 31));
        loaded.data().close();
    }

    @Test
    void onlyTheOwnerMayReadAFileOfTokens() throws IOException {
        // audit L13: the files hold conversations' token ids and were created with the umask's permissions
        Path file = written("conv-2", new int[] {9}, 16);
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                .isEqualTo("rw-------");
    }

    @Test
    void aFlippedByteIsCorrupt() throws IOException {
        Path file = written("c", new int[] {1}, 1000);
        try (RandomAccessFile bytes = new RandomAccessFile(file.toFile(), "rw")) {
            bytes.seek(bytes.length() - 20);
            int value = bytes.read();
            bytes.seek(bytes.length() - 20);
            bytes.write(value ^ 1);
        }
        assertThatThrownBy(() -> SnapshotFile.read(file, MINE, "c")).isInstanceOfSatisfying(
                SnapshotFile.DefectException.class, e -> assertThat(e.defect).isEqualTo(SnapshotFile.Defect.CORRUPT))
                .hasMessageContaining("checksum");
    }

    @Test
    void aShortFileIsTruncatedEvenBeforeItsStateIsRead() throws IOException {
        Path file = written("c", new int[] {1, 2}, 1000);
        try (RandomAccessFile bytes = new RandomAccessFile(file.toFile(), "rw")) {
            bytes.setLength(bytes.length() - 1);
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            assertThatThrownBy(() -> SnapshotFile.readHeader(channel, MINE)).isInstanceOfSatisfying(
                    SnapshotFile.DefectException.class,
                    e -> assertThat(e.defect).isEqualTo(SnapshotFile.Defect.TRUNCATED));
        }
        Files.write(file, new byte[] {'P', 'K'});
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            assertThatThrownBy(() -> SnapshotFile.readHeader(channel, MINE)).isInstanceOfSatisfying(
                    SnapshotFile.DefectException.class,
                    e -> assertThat(e.defect).isEqualTo(SnapshotFile.Defect.TRUNCATED));
        }
    }

    @Test
    void anotherFingerprintIsForeignAndAnotherConversationCorrupt() throws IOException {
        Path file = written("c", new int[] {1}, 100);
        assertThatThrownBy(() -> SnapshotFile.read(file, OTHER, "c")).isInstanceOfSatisfying(
                SnapshotFile.DefectException.class, e -> assertThat(e.defect).isEqualTo(SnapshotFile.Defect.FOREIGN));
        assertThatThrownBy(() -> SnapshotFile.read(file, MINE, "d")).isInstanceOfSatisfying(
                SnapshotFile.DefectException.class, e -> assertThat(e.defect).isEqualTo(SnapshotFile.Defect.CORRUPT));
        Files.write(file, new byte[64]);
        assertThatThrownBy(() -> SnapshotFile.read(file, MINE, "c")).hasMessageContaining("magic");
    }
}
