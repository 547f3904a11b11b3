package dev.parley.client;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A model the pool serves now, as its workers announce it on the models topic: prompts naming it go to its topic.
 *
 * @param name         the name prompts give in {@code model} ({@link SendOptions.Builder#model(String)})
 * @param promptsTopic the topic its prompts are published to
 * @param workers      the workers announcing it, sorted
 * @param expiresAt    when the last of their announcements expires unless renewed
 * @param callsTools   whether its workers call tools: {@code false} when every live announcement says they do not
 *                     (prompts using tools are then refused before they are sent, with
 *                     {@link UnsupportedFeatureException}), {@code true} when one says they do, else {@code null}
 */
public record ServedModel(String name, String promptsTopic, List<String> workers, Instant expiresAt,
                          Boolean callsTools) {

    public ServedModel {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(promptsTopic, "promptsTopic");
        workers = List.copyOf(workers);
        Objects.requireNonNull(expiresAt, "expiresAt");
    }

    /** A served model whose announcements do not say whether its workers call tools. */
    public ServedModel(String name, String promptsTopic, List<String> workers, Instant expiresAt) {
        this(name, promptsTopic, workers, expiresAt, null);
    }
}
