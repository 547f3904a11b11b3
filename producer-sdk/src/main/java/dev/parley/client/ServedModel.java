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
 */
public record ServedModel(String name, String promptsTopic, List<String> workers, Instant expiresAt) {

    public ServedModel {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(promptsTopic, "promptsTopic");
        workers = List.copyOf(workers);
        Objects.requireNonNull(expiresAt, "expiresAt");
    }
}
