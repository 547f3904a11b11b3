package dev.parley.client.internal;

import dev.parley.client.ParleyException;
import dev.parley.schemas.Cancel;
import dev.parley.schemas.Chunk;
import dev.parley.schemas.Prompt;
import dev.parley.schemas.Reply;
import dev.parley.schemas.codec.WireJson;
import dev.parley.schemas.validation.PromptDecoder;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Publishes a client's prompts and cancels through its one producer, keyed by conversation id so a conversation's
 * turns stay in order. A prompt a worker would dead-letter is refused before anything is sent, and a send the broker
 * does not take fails the request's future.
 */
public final class PromptSender {

    private final KafkaProducer<String, byte[]> producer;
    private final PendingReplies pending;
    private final Function<Prompt, String> topicFor;
    private final PromptDecoder validator = new PromptDecoder();

    /**
     * @param producerConfig the producer's configuration ({@link ClientKafkaConfigs#producer()})
     * @param pending        where a request waiting for its reply is registered
     * @param topicFor       the topic of a prompt (by its model); throws for a model nobody serves
     */
    public PromptSender(Map<String, Object> producerConfig, PendingReplies pending,
                        Function<Prompt, String> topicFor) {
        this.producer = new KafkaProducer<>(producerConfig, new StringSerializer(), new ByteArraySerializer());
        this.pending = pending;
        this.topicFor = topicFor;
    }

    /** Publishes a prompt whose reply this client awaits; the future completes with the reply. */
    public CompletableFuture<Reply> send(Prompt prompt, Duration timeout, Consumer<Chunk> onChunk) {
        byte[] value = encodeValidated(prompt);
        String topic = topicFor.apply(prompt);
        CompletableFuture<Reply> reply = pending.register(prompt.requestId(), prompt.conversationId(), timeout, onChunk);
        producer.send(new ProducerRecord<>(topic, prompt.conversationId(), value), (metadata, error) -> {
            if (error != null) {
                pending.fail(prompt.requestId(), new ParleyException("could not publish request " + prompt.requestId()
                        + " to " + topic + ": " + error.getMessage(), error));
            }
        });
        return reply;
    }

    /** Publishes a prompt without waiting for its reply. */
    public void publish(Prompt prompt) {
        byte[] value = encodeValidated(prompt);
        producer.send(new ProducerRecord<>(topicFor.apply(prompt), prompt.conversationId(), value));
    }

    /** Publishes a cancel request; the future completes when the broker has it. */
    public CompletableFuture<Void> cancel(String controlTopic, String conversationId, String requestId) {
        Cancel cancel = Cancel.of(requestId, conversationId, null);
        CompletableFuture<Void> sent = new CompletableFuture<>();
        producer.send(new ProducerRecord<>(controlTopic, conversationId, WireJson.toBytes(cancel)), (metadata, error) -> {
            if (error != null) {
                sent.completeExceptionally(new ParleyException("could not publish the cancel of " + requestId
                        + " to " + controlTopic + ": " + error.getMessage(), error));
            } else {
                sent.complete(null);
            }
        });
        return sent;
    }

    /**
     * Refuses, before anything is sent, a prompt a worker would dead-letter; the message names the field. A prompt the
     * validator cannot even judge (a schema bound past a long makes Jackson throw, say) is refused the same way, with
     * the reason: a caller sees an {@link IllegalArgumentException}, never a raw library exception.
     */
    private byte[] encodeValidated(Prompt prompt) {
        byte[] value;
        PromptDecoder.Result result;
        try {
            value = WireJson.toBytes(prompt);
            result = validator.decode(prompt.conversationId(), value);
        } catch (RuntimeException | StackOverflowError e) {
            throw new IllegalArgumentException("invalid prompt: it could not be validated: " + e, e);
        }
        if (result instanceof PromptDecoder.Rejected rejected) {
            throw new IllegalArgumentException("invalid prompt: " + rejected.rejection().reason());
        }
        return value;
    }

    /** Sends what is buffered, waiting at most {@code timeout}. */
    public void close(Duration timeout) {
        producer.close(timeout);
    }
}
