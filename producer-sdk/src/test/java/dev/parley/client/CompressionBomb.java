package dev.parley.client;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.zip.CRC32C;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.ResponseHeader;
import org.apache.kafka.common.utils.internals.ByteBufferOutputStream;
import org.apache.kafka.common.utils.internals.ByteUtils;

/**
 * Writes a zstd record batch to a real broker by hand: a good value, then a record declaring a body of almost 2 GiB
 * of zeros (a few tens of KB compressed). A KafkaProducer cannot send it (it would need the value in memory); the
 * broker accepts it (it skips through the records without keeping them); a consumer reading it allocates the whole
 * body at once, which fails with an {@link OutOfMemoryError} in a heap under 2 GiB.
 */
final class CompressionBomb {

    /** The largest body a compressed record may declare (kafka-clients' limit), less its other fields. */
    private static final int BOMB_VALUE_BYTES = 2_147_483_639 - 10;
    private static final short PRODUCE_VERSION = 12; // the last to name topics rather than ids
    private static final int HEADER_BYTES = 61;

    private CompressionBomb() {
    }

    /** Appends {@code [good, bomb]} as one batch to {@code topic}-{@code partition} at {@code host:port}. */
    static void send(String bootstrapServer, String topic, int partition, byte[] good) throws IOException {
        ByteBuffer batch = batch(good);
        ProduceRequestData data = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(60_000)
                .setTopicData(new ProduceRequestData.TopicProduceDataCollection(List.of(
                        new ProduceRequestData.TopicProduceData().setName(topic).setPartitionData(List.of(
                                new ProduceRequestData.PartitionProduceData().setIndex(partition)
                                        .setRecords(MemoryRecords.readableRecords(batch))))).iterator()));
        ProduceRequest request = new ProduceRequest.Builder(PRODUCE_VERSION, PRODUCE_VERSION, data).build(PRODUCE_VERSION);
        ByteBuffer wire = request.serializeWithHeader(new RequestHeader(ApiKeys.PRODUCE, PRODUCE_VERSION, "bomb", 1));
        String[] hostPort = bootstrapServer.split(",")[0].split(":");
        try (Socket socket = new Socket(hostPort[0], Integer.parseInt(hostPort[1]))) {
            socket.setSoTimeout(120_000);
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            out.writeInt(wire.remaining());
            out.write(wire.array(), wire.arrayOffset() + wire.position(), wire.remaining());
            out.flush();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            byte[] response = new byte[in.readInt()];
            in.readFully(response);
            ByteBuffer buffer = ByteBuffer.wrap(response);
            ResponseHeader.parse(buffer, ApiKeys.PRODUCE.responseHeaderVersion(PRODUCE_VERSION));
            ProduceResponse parsed = ProduceResponse.parse(new ByteBufferAccessor(buffer), PRODUCE_VERSION);
            parsed.data().responses().forEach(t -> t.partitionResponses().forEach(p -> {
                if (p.errorCode() != 0) {
                    throw new IllegalStateException("the broker refused the bomb: error " + p.errorCode() + " "
                            + p.errorMessage());
                }
            }));
        }
    }

    private static ByteBuffer batch(byte[] good) throws IOException {
        ByteBufferOutputStream buffer = new ByteBufferOutputStream(64 * 1024);
        buffer.position(HEADER_BYTES);
        try (OutputStream zstd = Compression.zstd().build().wrapForOutput(buffer, RecordBatch.MAGIC_VALUE_V2)) {
            DataOutputStream records = new DataOutputStream(zstd);
            writeRecordHead(records, 0, good.length);
            records.write(good);
            ByteUtils.writeVarint(0, records); // no headers
            writeRecordHead(records, 1, BOMB_VALUE_BYTES);
            byte[] zeros = new byte[1 << 20];
            for (long left = BOMB_VALUE_BYTES; left > 0; left -= zeros.length) {
                records.write(zeros, 0, (int) Math.min(zeros.length, left));
            }
            ByteUtils.writeVarint(0, records);
        }
        ByteBuffer batch = buffer.buffer();
        batch.flip();
        long now = System.currentTimeMillis();
        batch.putLong(0, 0L)                       // base offset (the broker assigns it)
                .putInt(8, batch.limit() - 12)     // batch length
                .putInt(12, -1)                    // partition leader epoch
                .put(16, RecordBatch.MAGIC_VALUE_V2)
                .putShort(21, (short) 4)           // attributes: zstd, create time
                .putInt(23, 1)                     // last offset delta
                .putLong(27, now).putLong(35, now) // first and max timestamp
                .putLong(43, -1L).putShort(51, (short) -1).putInt(53, -1) // no producer id, epoch, sequence
                .putInt(57, 2);                    // records
        CRC32C crc = new CRC32C();
        crc.update(batch.array(), 21, batch.limit() - 21);
        batch.putInt(17, (int) crc.getValue());
        return batch;
    }

    /** A record's length, attributes, timestamp and offset deltas, no key, and the length of its value. */
    private static void writeRecordHead(DataOutputStream out, int offsetDelta, int valueBytes) throws IOException {
        int valueLengthBytes = ByteUtils.sizeOfVarint(valueBytes);
        int offsetDeltaBytes = ByteUtils.sizeOfVarint(offsetDelta);
        long body = 1L + 1 + offsetDeltaBytes + 1 + valueLengthBytes + (long) valueBytes + 1;
        ByteUtils.writeVarint((int) body, out);
        out.writeByte(0);                        // attributes
        ByteUtils.writeVarlong(0, out);          // timestamp delta
        ByteUtils.writeVarint(offsetDelta, out);
        ByteUtils.writeVarint(-1, out);          // no key
        ByteUtils.writeVarint(valueBytes, out);
    }
}
