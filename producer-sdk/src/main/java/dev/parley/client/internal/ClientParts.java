package dev.parley.client.internal;

import dev.parley.client.ServedModel;
import dev.parley.client.UnsupportedFeatureException;
import dev.parley.schemas.Prompt;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The running parts of a {@code ParleyClient}, started in order (timeout timer, chunk delivery threads, the table of
 * waiting requests, the models directory, the sender, the reply listener), closed in order, and undone when one
 * fails to start.
 */
public final class ClientParts {

    /**
     * What the parts are built from: the client's builder values.
     *
     * @param outageTimeout how long the broker may be unreachable before waiting requests fail
     */
    public record Spec(String bootstrapServers, Map<String, Object> kafka, String clientId, String promptsTopic,
                       String repliesTopic, String modelsTopic, int deliveryThreads, Duration startTimeout,
                       Duration outageTimeout) {
    }

    private final String promptsTopic;
    private final ScheduledExecutorService timer;
    private final ChunkDelivery delivery;
    private final PendingReplies pending;
    private final ModelDirectory models;
    private final PromptSender sender;
    private final ReplyListener listener;

    private ClientParts(Spec spec) {
        this.promptsTopic = spec.promptsTopic();
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, spec.clientId() + "-timeouts");
            t.setDaemon(true);
            return t;
        });
        this.delivery = ChunkDelivery.start(spec.deliveryThreads(), spec.clientId() + "-delivery");
        this.pending = new PendingReplies(timer, delivery);
        ClientKafkaConfigs kafka = new ClientKafkaConfigs(spec.bootstrapServers(), spec.kafka(), spec.clientId());
        this.models = new ModelDirectory(spec.modelsTopic(),
                () -> new KafkaConsumer<>(kafka.models(), new StringDeserializer(), new ByteArrayDeserializer()),
                spec.startTimeout(), Clock.systemUTC(), System::nanoTime);
        this.sender = new PromptSender(kafka.producer(), pending, this::topicFor);
        try {
            this.listener = ReplyListener.start(kafka.replies(), spec.repliesTopic(), pending,
                    spec.clientId() + "-replies", spec.startTimeout(), spec.outageTimeout());
        } catch (RuntimeException e) {
            sender.close(Duration.ZERO);
            delivery.close();
            timer.shutdownNow();
            throw e;
        }
    }

    /** Starts the parts; waits up to the start timeout for the broker. */
    public static ClientParts start(Spec spec) {
        return new ClientParts(spec);
    }

    /**
     * The topic a prompt goes to: the one its model's workers announce, or the client's prompts topic when it names
     * none. Throws {@code UnknownModelException} when no worker announces the prompt's model, and
     * {@code UnsupportedFeatureException} when the prompt uses tools and every worker of its model announces that its
     * engine calls none (they would only refuse it, with an error reply and a dead letter).
     */
    public String topicFor(Prompt prompt) {
        if (prompt.model() == null) {
            return promptsTopic;
        }
        ServedModel served = models.served(prompt.model());
        if (prompt.usesTools() && Boolean.FALSE.equals(served.callsTools())) {
            throw new UnsupportedFeatureException(prompt.model(), "model '" + prompt.model() + "' is served by "
                    + "workers whose engine calls no tools: send the prompt without tools, tool calls and tool "
                    + "messages, or to a model whose workers call tools");
        }
        return served.promptsTopic();
    }

    /** The threads that deliver streamed chunks. */
    public ChunkDelivery delivery() {
        return delivery;
    }

    /** The requests waiting for their replies. */
    public PendingReplies pending() {
        return pending;
    }

    /** The models the pool serves, as announced on the models topic. */
    public ModelDirectory models() {
        return models;
    }

    /** The publisher of prompts and cancels. */
    public PromptSender sender() {
        return sender;
    }

    /** The reader of the reply topic. */
    public ReplyListener listener() {
        return listener;
    }

    /** Flushes what was published (up to 10 s), stops reading replies and fails requests still waiting. */
    public void close() {
        try {
            sender.close(Duration.ofSeconds(10));
        } finally {
            listener.close();
            models.close();
            pending.failAll("client closed");
            delivery.close();
            timer.shutdownNow();
        }
    }
}
