package dev.parley.schemas;

import java.time.Instant;
import java.util.Objects;

/**
 * A worker saying which model it serves and where that model's prompts go (schema
 * {@code model-announcement.v1.json}), published to the compacted models topic keyed by {@link #key()} and renewed
 * while the worker runs.
 *
 * @param model        the served model name, as prompts name it
 * @param promptsTopic the topic the model's prompts go to
 * @param groupId      the consumer group of the model's workers
 * @param worker       the announcing worker
 * @param modelFile    the file the engine loaded, without {@code .gguf}, or {@code null}
 * @param slots        conversations decoded in parallel, or {@code null}
 * @param announcedAt  when it was published
 * @param expiresAt    when it stops counting unless renewed
 * @param load         the work waiting at the worker as of {@code announcedAt}, or {@code null} (a worker that does
 *                     not report load, or one from before load was reported)
 * @param callsTools   whether the worker's engine calls tools, or {@code null} (a worker from before this was
 *                     announced); one that does not dead-letters prompts using tools ({@code unsupported_feature})
 */
public record ModelAnnouncement(
        String model,
        String promptsTopic,
        String groupId,
        String worker,
        String modelFile,
        Integer slots,
        Instant announcedAt,
        Instant expiresAt,
        WorkerLoad load,
        Boolean callsTools) {

    public ModelAnnouncement {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(promptsTopic, "prompts_topic");
        Objects.requireNonNull(groupId, "group_id");
        Objects.requireNonNull(worker, "worker");
        Objects.requireNonNull(announcedAt, "announced_at");
        Objects.requireNonNull(expiresAt, "expires_at");
    }

    /** An announcement that does not say whether the worker calls tools. */
    public ModelAnnouncement(String model, String promptsTopic, String groupId, String worker, String modelFile,
                             Integer slots, Instant announcedAt, Instant expiresAt, WorkerLoad load) {
        this(model, promptsTopic, groupId, worker, modelFile, slots, announcedAt, expiresAt, load, null);
    }

    /** An announcement without load figures. */
    public ModelAnnouncement(String model, String promptsTopic, String groupId, String worker, String modelFile,
                             Integer slots, Instant announcedAt, Instant expiresAt) {
        this(model, promptsTopic, groupId, worker, modelFile, slots, announcedAt, expiresAt, null, null);
    }

    /** The record key: one per worker and model, so compaction keeps each worker's latest announcement. */
    public String key() {
        return model + "/" + worker;
    }

    /** Whether it still counts at {@code now}. */
    public boolean liveAt(Instant now) {
        return now.isBefore(expiresAt);
    }
}
