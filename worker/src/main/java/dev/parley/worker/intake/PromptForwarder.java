package dev.parley.worker.intake;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Moves a prompt record that a non-Java partitioner put on the wrong partition to the one its key belongs to: same
 * key, value and headers, plus a {@code parley-forwarded-from} header naming where it was and a
 * {@code parley-forward-hops} header counting the forwards so far (two workers with different views of the partition
 * count could otherwise bounce a record for ever; the router refuses to forward it past a limit). The source record counts
 * as done once the copy is acknowledged, so it is either answered there or, after a crash, forwarded again (the
 * history deduplicates by request id).
 */
public final class PromptForwarder {

    /** Header naming the partition and offset a forwarded record came from. */
    public static final String FORWARDED_FROM = "parley-forwarded-from";

    /** Header counting how many times a record was forwarded (decimal ASCII). */
    public static final String FORWARD_HOPS = "parley-forward-hops";

    private final Producer<String, byte[]> producer;

    public PromptForwarder(Producer<String, byte[]> producer) {
        this.producer = producer;
    }

    /**
     * How many times the record was forwarded already: 0 without the header; an unreadable count (someone else's
     * header) reads as {@link Integer#MAX_VALUE}, so such a record is never forwarded again.
     */
    static int hops(ConsumerRecord<String, byte[]> record) {
        Header header = record.headers().lastHeader(FORWARD_HOPS);
        if (header == null) {
            return 0;
        }
        try {
            int hops = Integer.parseInt(new String(header.value(), StandardCharsets.US_ASCII));
            return hops < 0 ? Integer.MAX_VALUE : hops;
        } catch (RuntimeException e) {
            return Integer.MAX_VALUE;
        }
    }

    /**
     * @param answerHere runs when the copy cannot be sent for good (never for an outage): the record is then
     *                   answered where it is, as it would have been without this check
     */
    RecordRelay.Send forward(ConsumerRecord<String, byte[]> record, int partition, Runnable answerHere) {
        return new RecordRelay.Send() {
            @Override
            public CompletableFuture<?> attempt() {
                RecordHeaders headers = new RecordHeaders(record.headers().toArray());
                int hops = hops(record);
                headers.remove(FORWARDED_FROM);
                headers.remove(FORWARD_HOPS);
                headers.add(FORWARD_HOPS, Integer.toString(hops + 1).getBytes(StandardCharsets.US_ASCII));
                headers.add(FORWARDED_FROM, (record.topic() + "-" + record.partition() + "@" + record.offset())
                        .getBytes(StandardCharsets.UTF_8));
                CompletableFuture<Void> acked = new CompletableFuture<>();
                producer.send(new ProducerRecord<>(record.topic(), partition, null, record.key(), record.value(),
                        headers), (metadata, error) -> {
                            if (error != null) {
                                acked.completeExceptionally(error);
                            } else {
                                acked.complete(null);
                            }
                        });
                return acked;
            }

            @Override
            public RecordRelay.Send fallback() {
                return null;
            }

            @Override
            public String describe() {
                return "forward to partition " + partition;
            }

            @Override
            public boolean takeBack() {
                answerHere.run();
                return true;
            }
        };
    }
}
