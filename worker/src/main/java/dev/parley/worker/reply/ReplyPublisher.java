package dev.parley.worker.reply;

import dev.parley.schemas.Chunk;
import dev.parley.schemas.Reply;
import dev.parley.schemas.codec.WireJson;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/** Publishes replies keyed by conversation id, so a conversation's replies stay in order on one partition. */
public final class ReplyPublisher {

    private final Producer<String, byte[]> producer;
    private final String defaultTopic;

    public ReplyPublisher(Producer<String, byte[]> producer, String defaultTopic) {
        this.producer = producer;
        this.defaultTopic = defaultTopic;
    }

    /**
     * Sends a reply to {@code topic} ({@code null}: the default reply topic).
     *
     * @return completes when the broker acknowledged the record
     */
    public CompletableFuture<RecordMetadata> publish(String topic, Reply reply) {
        CompletableFuture<RecordMetadata> acked = new CompletableFuture<>();
        String target = topic != null ? topic : defaultTopic;
        try {
            producer.send(new ProducerRecord<>(target, reply.conversationId(), WireJson.toBytes(reply)),
                    (metadata, error) -> {
                        if (error != null) {
                            acked.completeExceptionally(error);
                        } else {
                            acked.complete(metadata);
                        }
                    });
        } catch (RuntimeException e) {
            acked.completeExceptionally(e);
        }
        return acked;
    }

    /** Sends a chunk of a streamed reply without waiting; the final reply's acknowledgement covers it. */
    public void publishChunk(String topic, Chunk chunk) {
        String target = topic != null ? topic : defaultTopic;
        producer.send(new ProducerRecord<>(target, chunk.conversationId(), WireJson.toBytes(chunk)));
    }

    public String defaultTopic() {
        return defaultTopic;
    }
}
