package dev.parley.worker.reply;

import dev.parley.schemas.Choice;
import dev.parley.schemas.Chunk;
import dev.parley.schemas.ErrorInfo;
import dev.parley.schemas.FinishReason;
import dev.parley.schemas.Reply;
import dev.parley.schemas.ReplyStatus;
import dev.parley.schemas.TokenLogprob;
import dev.parley.schemas.codec.WireJson;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes replies keyed by conversation id, so a conversation's replies stay in order on one partition. A reply
 * never exceeds the record size the producer accepts: a larger one (a very long answer in a hard-to-encode script,
 * say) is sent as an error reply {@code reply_too_large} without its content and metadata echo.
 */
public final class ReplyPublisher {

    /** The producer's default {@code max.request.size}. */
    public static final int DEFAULT_MAX_RECORD_BYTES = 1_048_576;
    /** Room left in a request for the record's key, headers and batch framing. */
    static final int FRAMING_BYTES = 16_384;
    private static final int LOG_EVERY = 100;
    private static final Logger log = LoggerFactory.getLogger(ReplyPublisher.class);

    private final Producer<String, byte[]> producer;
    private final String defaultTopic;
    private final int maxValueBytes;
    private final AtomicLong chunkSendFailures = new AtomicLong();

    /**
     * @param maxRecordBytes the producer's {@code max.request.size}
     */
    public ReplyPublisher(Producer<String, byte[]> producer, String defaultTopic, int maxRecordBytes) {
        this.producer = producer;
        this.defaultTopic = defaultTopic;
        this.maxValueBytes = Math.max(1024, maxRecordBytes - FRAMING_BYTES);
    }

    public ReplyPublisher(Producer<String, byte[]> producer, String defaultTopic) {
        this(producer, defaultTopic, DEFAULT_MAX_RECORD_BYTES);
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
            producer.send(new ProducerRecord<>(target, reply.conversationId(), bounded(reply)),
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

    /**
     * Sends a chunk of a streamed reply without waiting; the final reply's acknowledgement covers it. A chunk the
     * producer fails to send is counted ({@link #chunkSendFailures()}) and logged: the streamed text then has a hole,
     * the final reply still carries the whole answer.
     */
    public void publishChunk(String topic, Chunk chunk) {
        String target = topic != null ? topic : defaultTopic;
        producer.send(new ProducerRecord<>(target, chunk.conversationId(), WireJson.toBytes(chunk)), (metadata, error) -> {
            if (error != null) {
                long failures = chunkSendFailures.incrementAndGet();
                if (failures == 1 || failures % LOG_EVERY == 0) {
                    log.warn("Chunk {} of request {} could not be sent to {} ({} chunk(s) lost so far): {}",
                            chunk.seq(), chunk.requestId(), target, failures, error.toString());
                }
            }
        });
    }

    /** Chunks the producer failed to send since this publisher was made. */
    public long chunkSendFailures() {
        return chunkSendFailures.get();
    }

    public String defaultTopic() {
        return defaultTopic;
    }

    /** The most bytes of text a chunk may carry, so that it always fits a record. */
    public int maxChunkTextBytes() {
        return maxValueBytes / 8; // JSON escaping may multiply text by six; keep well inside
    }

    private byte[] bounded(Reply reply) {
        byte[] bytes = WireJson.toBytes(reply);
        if (bytes.length <= maxValueBytes) {
            return bytes;
        }
        if (reply.choices() != null && reply.choices().stream().anyMatch(choice -> choice.logprobs() != null)) {
            // the further answers' log probabilities go first; the stream's chunks carried them all
            return bounded(reply.newBuilder().choices(reply.choices().stream().map(choice -> new Choice(
                    choice.index(), choice.content(), choice.finishReason(), choice.completionTokens(), null))
                    .toList()).build());
        }
        if (reply.logprobs() != null) {
            return withFittingLogprobs(reply, bytes.length);
        }
        return WireJson.toBytes(reply.newBuilder().status(ReplyStatus.ERROR).content(null).choices(null)
                .finishReason(FinishReason.ERROR).metadata(null)
                .error(new ErrorInfo("reply_too_large", "the reply is " + bytes.length + " bytes, over the "
                        + maxValueBytes + " a reply record may have; its content, choices and metadata are left out"))
                .build());
    }

    /**
     * A reply too large only for its log probabilities (twenty alternatives per token over a long answer, say)
     * keeps its answer and the entries of its first tokens that fit; a streamed reply's chunks carried them all.
     */
    private byte[] withFittingLogprobs(Reply reply, int size) {
        List<TokenLogprob> entries = reply.logprobs();
        int keep = entries.size();
        byte[] bytes;
        do {
            // shrink in proportion to the excess, by at least one entry per round
            keep = (int) Math.min(keep - 1L, (long) keep * maxValueBytes / size);
            bytes = WireJson.toBytes(reply.newBuilder().logprobs(entries.subList(0, Math.max(0, keep))).build());
            size = bytes.length;
        } while (size > maxValueBytes && keep > 0);
        if (size > maxValueBytes) {
            return bounded(reply.newBuilder().logprobs(null).build());
        }
        log.warn("Reply of request {} keeps the logprobs of its first {} of {} tokens to fit a record",
                reply.requestId(), keep, entries.size());
        return bytes;
    }
}
