package dev.parley.worker.engine.disk;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * The format of one conversation's snapshot file, little-endian:
 *
 * <pre>
 * "PKVS"  int version  byte[32] fingerprint  int idLength  byte[idLength] conversation id (UTF-8)
 * int tokenCount  int[tokenCount] tokens  long dataLength  byte[dataLength] state (llama_state_seq_get_data)
 * long CRC32C of everything before it
 * </pre>
 *
 * A file whose length does not match its header is truncated; one whose checksum does not match is corrupt; one with
 * another fingerprint is foreign. None of them is ever loaded.
 */
final class SnapshotFile {

    static final int VERSION = 1;
    private static final int MAGIC = 0x53564B50; // "PKVS" read little-endian
    private static final int FIXED_HEADER = 4 + 4 + KvFingerprint.DIGEST_BYTES + 4;
    private static final int MAX_ID_BYTES = 4096;
    private static final int MAX_TOKENS = 1 << 22;
    private static final int TRAILER = 8;

    /** Why a file cannot be used. */
    enum Defect { TRUNCATED, CORRUPT, FOREIGN }

    /** A file that cannot be used, and why. */
    static final class DefectException extends IOException {
        final Defect defect;

        DefectException(Defect defect, String message) {
            super(message);
            this.defect = defect;
        }
    }

    /** What a file's header says. */
    record Header(String conversationId, int[] tokens, long dataLength, int headerLength) {

        long fileLength() {
            return headerLength + dataLength + TRAILER;
        }
    }

    private SnapshotFile() {
    }

    static long fileLength(String conversationId, int tokens, long dataLength) {
        return headerBytes(conversationId, tokens) + dataLength + TRAILER;
    }

    private static int headerBytes(String conversationId, int tokens) {
        return FIXED_HEADER + conversationId.getBytes(StandardCharsets.UTF_8).length + 4 + tokens * 4 + 8;
    }

    /** Writes a snapshot to {@code file} (which must not exist yet) and forces it to the device. */
    static void write(Path file, KvFingerprint fingerprint, String conversationId, int[] tokens, Pointer data,
                      long dataLength) throws IOException {
        byte[] id = conversationId.getBytes(StandardCharsets.UTF_8);
        ByteBuffer header = ByteBuffer.allocate(headerBytes(conversationId, tokens.length))
                .order(ByteOrder.LITTLE_ENDIAN);
        header.putInt(MAGIC).putInt(VERSION).put(fingerprint.digest()).putInt(id.length).put(id)
                .putInt(tokens.length);
        for (int token : tokens) {
            header.putInt(token);
        }
        header.putLong(dataLength).flip();
        ByteBuffer state = data.getByteBuffer(0, dataLength); // a view of the native buffer: no copy on the heap
        CRC32C crc = new CRC32C();
        crc.update(header.duplicate());
        crc.update(state.duplicate());
        ByteBuffer trailer = ByteBuffer.allocate(TRAILER).order(ByteOrder.LITTLE_ENDIAN).putLong(crc.getValue())
                .flip();
        try (FileChannel channel = OwnerOnly.open(file, java.util.Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE))) {
            writeFully(channel, header);
            writeFully(channel, state);
            writeFully(channel, trailer);
            channel.force(true);
        }
    }

    /** Reads a header and checks it against the file's length and the fingerprint. */
    static Header readHeader(FileChannel channel, KvFingerprint fingerprint) throws IOException {
        long size = channel.size();
        ByteBuffer fixed = readExactly(channel, 0, FIXED_HEADER, size);
        if (fixed.getInt() != MAGIC) {
            throw new DefectException(Defect.CORRUPT, "not a Parley KV snapshot (bad magic)");
        }
        int version = fixed.getInt();
        byte[] digest = new byte[KvFingerprint.DIGEST_BYTES];
        fixed.get(digest);
        if (version != VERSION || !fingerprint.matches(digest)) {
            throw new DefectException(Defect.FOREIGN, "taken with another model, llama.cpp build, KV cache type "
                    + "or context layout (format version " + version + ")");
        }
        int idLength = fixed.getInt();
        if (idLength < 1 || idLength > MAX_ID_BYTES) {
            throw new DefectException(Defect.CORRUPT, "conversation id length " + idLength);
        }
        ByteBuffer idAndCount = readExactly(channel, FIXED_HEADER, idLength + 4, size);
        byte[] id = new byte[idLength];
        idAndCount.get(id);
        int count = idAndCount.getInt();
        if (count < 1 || count > MAX_TOKENS) {
            throw new DefectException(Defect.CORRUPT, "token count " + count);
        }
        long at = FIXED_HEADER + idLength + 4L;
        ByteBuffer rest = readExactly(channel, at, count * 4 + 8, size);
        int[] tokens = new int[count];
        rest.asIntBuffer().get(tokens);
        long dataLength = rest.getLong(count * 4);
        Header header = new Header(new String(id, StandardCharsets.UTF_8), tokens, dataLength,
                (int) (at + count * 4L + 8));
        if (dataLength < 1 || header.fileLength() != size) {
            throw new DefectException(Defect.TRUNCATED, "file holds " + size + " bytes, its header says "
                    + header.fileLength());
        }
        return header;
    }

    /**
     * Reads a whole file into native memory, checking its header, length and checksum; the caller owns the returned
     * memory. {@code expected} is the conversation the file must belong to.
     */
    static Loaded read(Path file, KvFingerprint fingerprint, String expected) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            Header header = readHeader(channel, fingerprint);
            if (!header.conversationId().equals(expected)) {
                throw new DefectException(Defect.CORRUPT, "holds conversation " + header.conversationId()
                        + ", expected " + expected);
            }
            CRC32C crc = new CRC32C();
            crc.update(readExactly(channel, 0, header.headerLength(), channel.size()));
            Memory data = new Memory(header.dataLength());
            try {
                ByteBuffer state = data.getByteBuffer(0, header.dataLength());
                long position = header.headerLength();
                while (state.hasRemaining()) {
                    int n = channel.read(state, position);
                    if (n < 0) {
                        throw new DefectException(Defect.TRUNCATED, "ended inside its state");
                    }
                    position += n;
                }
                crc.update(state.flip());
                long stored = readExactly(channel, position, TRAILER, channel.size()).getLong();
                if (stored != crc.getValue()) {
                    throw new DefectException(Defect.CORRUPT, "checksum mismatch");
                }
                return new Loaded(header, data);
            } catch (IOException | RuntimeException e) {
                data.close();
                throw e;
            }
        }
    }

    /** A file read into native memory. */
    record Loaded(Header header, Memory data) {
    }

    private static ByteBuffer readExactly(FileChannel channel, long position, int length, long size)
            throws IOException {
        if (position + length > size) {
            throw new DefectException(Defect.TRUNCATED, "file holds " + size + " bytes, needs at least "
                    + (position + length));
        }
        ByteBuffer buffer = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, position + buffer.position()) < 0) {
                throw new DefectException(Defect.TRUNCATED, "ended early");
            }
        }
        return buffer.flip();
    }

    private static void writeFully(FileChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }
}
