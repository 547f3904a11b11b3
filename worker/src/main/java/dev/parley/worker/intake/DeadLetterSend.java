package dev.parley.worker.intake;

import dev.parley.schemas.DeadLetter;
import java.util.concurrent.CompletableFuture;

/**
 * The one policy for sending a dead letter, used for records the intake rejects and for turns that fail: publish the
 * letter as built (its payload already bounded); if the broker refuses it for good (its {@code max.message.bytes}
 * below ours, say), publish once more the same letter cut to {@value DeadLetterPublisher#FALLBACK_PAYLOAD_BYTES}
 * bytes of payload; after that there is no fallback, and the caller gives it up (the record stays on its topic at its
 * offset). Retriable failures are the caller's to retry, with its backoff.
 */
public final class DeadLetterSend implements RecordRelay.Send {

    private final DeadLetterPublisher publisher;
    private final String key;
    private final DeadLetter letter;
    private final boolean shrunk;

    DeadLetterSend(DeadLetterPublisher publisher, String key, DeadLetter letter, boolean shrunk) {
        this.publisher = publisher;
        this.key = key;
        this.letter = letter;
        this.shrunk = shrunk;
    }

    /** Publishes once; completes when the broker acknowledged the letter. */
    @Override
    public CompletableFuture<?> attempt() {
        return publisher.publish(key, letter);
    }

    /** The shrunk letter, once, when shrinking makes it smaller; {@code null} when there is nothing left to try. */
    @Override
    public DeadLetterSend fallback() {
        if (shrunk) {
            return null;
        }
        DeadLetter smaller = publisher.shrunk(letter);
        return smaller == letter ? null : new DeadLetterSend(publisher, key, smaller, true);
    }

    @Override
    public String describe() {
        return (shrunk ? "shrunk dead letter (" : "dead letter (") + letter.code() + ", " + letter.payloadBytes()
                + " bytes)";
    }
}
